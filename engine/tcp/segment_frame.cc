#include "engine/tcp/segment_frame.h"

#include "engine/net/ethernet.h"
#include "engine/net/ipv4.h"
#include "engine/net/protocol_numbers.h"
#include "engine/tcp/header.h"

namespace tollgate::tcp {
namespace {

size_t tcp_header_size(const OutgoingSegment& s) {
  return kTcpMinHeaderSize + options_size(s.header.options, s.header.has(flags::kSyn));
}

}  // namespace

size_t segment_frame_size(const OutgoingSegment& s) {
  return net::kEthernetHeaderSize + net::kIpv4MinHeaderSize + tcp_header_size(s) + s.length;
}

void write_segment_frame(std::span<uint8_t> frame, const OutgoingSegment& s, const BufferOps& ops,
                         uint16_t ip_id) {
  const size_t header = tcp_header_size(s);
  const std::span<uint8_t> segment = frame.subspan(net::kEthernetHeaderSize + net::kIpv4MinHeaderSize);
  write_header(segment, s.header);
  if (s.length) s.payload->copy_out(ops, s.offset, segment.subspan(header, s.length));
  const net::Ipv4Address local{s.tuple->local_ip}, remote{s.tuple->remote_ip};
  finish_checksum(segment, local, remote);
  net::write_ipv4_header(frame.subspan(net::kEthernetHeaderSize), local, remote,
                         static_cast<uint8_t>(net::IpProtocol::kTcp),
                         static_cast<uint16_t>(header + s.length), ip_id, net::kDefaultTtl);
}

}  // namespace tollgate::tcp
