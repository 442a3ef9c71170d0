#include "engine/tcp/segment_frame.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "engine/net/ethernet.h"
#include "engine/net/frame_input.h"
#include "engine/net/protocol_numbers.h"
#include "engine/tcp/header.h"
#include "tests/unit/tcp/tcp_harness.h"

namespace tollgate::tcp {
namespace {

const net::Ipv4Address kLocal = *net::Ipv4Address::parse("198.18.0.1");
const net::Ipv4Address kRemote = *net::Ipv4Address::parse("198.18.0.10");

// The frame a segment becomes is what the receiving side's L2/L3 input accepts and TCP parses back: the
// same header, a valid IPv4 header and TCP checksum, the payload taken from the right place in the queue.
TEST(SegmentFrame, RoundTripsThroughTheInputPath) {
  const BufferOps ops = testing::test_buffer_ops();
  ChunkPool chunks(8);
  ChunkQueue queue;
  uint8_t* data = nullptr;
  PacketRef first = ops.make(6, &data);
  std::memcpy(data, "hello ", 6);
  PacketRef second = ops.make(5, &data);
  std::memcpy(data, "world", 5);
  ASSERT_TRUE(queue.append(chunks, ops, first, 0, 6));
  ASSERT_TRUE(queue.append(chunks, ops, second, 0, 5));
  ops.drop(first);
  ops.drop(second);

  const Tuple tuple{kLocal.value, kRemote.value, 443, 40000};
  OutgoingSegment s{&tuple, {}, &queue, 3, 7};  // "lo worl"
  s.header.source_port = 443;
  s.header.destination_port = 40000;
  s.header.seq = 1000;
  s.header.ack = 2000;
  s.header.flags = flags::kAck | flags::kPsh;
  s.header.window = 512;
  const size_t size = segment_frame_size(s);
  EXPECT_EQ(size, net::kEthernetHeaderSize + 20 + 20 + 7);
  std::vector<uint8_t> frame(size);
  write_segment_frame(frame, s, ops, 77);
  const net::MacAddress ours{{2, 0, 0, 0, 1, 1}}, theirs{{2, 0, 0, 0, 2, 1}};
  net::write_ethernet(frame, theirs, ours, net::EtherType::kIpv4);

  net::InterfaceConfig receiver;  // the peer's side
  receiver.mac = theirs;
  receiver.ipv4 = *net::Ipv4Prefix::parse("198.18.0.10/24");
  net::L2L3Counters counters;
  const net::FrameVerdict v = net::handle_frame(receiver, frame, {}, counters);
  ASSERT_EQ(v.action, net::FrameAction::kDeliver);
  EXPECT_EQ(v.l4_protocol, static_cast<uint8_t>(net::IpProtocol::kTcp));
  EXPECT_EQ(v.source, kLocal);
  const std::span<const uint8_t> segment(frame.data() + v.l4_offset, v.l4_length);
  const HeaderParse p = parse_segment(segment, kLocal, kRemote, false);
  ASSERT_TRUE(p.header);  // the checksum is verified here
  EXPECT_EQ(p.header->seq, 1000u);
  EXPECT_EQ(p.header->ack, 2000u);
  EXPECT_EQ(p.header->flags, flags::kAck | flags::kPsh);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(segment.data()) + 20, 7), "lo worl");
  queue.clear(chunks, ops);
  EXPECT_EQ(testing::live_buffers(), 0);
}

}  // namespace
}  // namespace tollgate::tcp
