#include "engine/tcp/header.h"

#include "engine/common/byte_order.h"
#include "engine/common/checksum.h"
#include "engine/net/protocol_numbers.h"

namespace tollgate::tcp {
namespace {

enum OptionKind : uint8_t {
  kEnd = 0,
  kNop = 1,
  kMss = 2,
  kWindowScale = 3,
  kSackPermitted = 4,
  kSack = 5,
  kTimestamps = 8,
};

// RFC 9293 §3.2: unknown options are skipped by their length; malformed lengths end parsing with an
// error so the segment is dropped rather than half-understood.
bool parse_options(std::span<const uint8_t> opts, bool syn, TcpOptions& out) {
  size_t i = 0;
  while (i < opts.size()) {
    const uint8_t kind = opts[i];
    if (kind == kEnd) break;
    if (kind == kNop) {
      ++i;
      continue;
    }
    if (i + 1 >= opts.size()) return false;
    const uint8_t len = opts[i + 1];
    if (len < 2 || i + len > opts.size()) return false;
    const uint8_t* v = opts.data() + i + 2;
    switch (kind) {
      case kMss:
        if (len != 4) return false;
        if (syn) out.mss = load_be16(v);  // RFC 9293 §3.7.1: only in SYN segments
        break;
      case kWindowScale:
        if (len != 3) return false;
        if (syn) out.window_scale = v[0] > kMaxWindowScale ? kMaxWindowScale : v[0];  // RFC 7323 §2.3
        break;
      case kSackPermitted:
        if (len != 2) return false;
        if (syn) out.sack_permitted = true;
        break;
      case kTimestamps:
        if (len != 10) return false;
        out.has_timestamps = true;
        out.ts_value = load_be32(v);
        out.ts_echo = load_be32(v + 4);
        break;
      case kSack: {
        if ((len - 2) % 8 != 0 || len == 2) return false;
        const size_t blocks = (len - 2u) / 8u;
        out.sack_count = 0;
        for (size_t b = 0; b < blocks && b < kMaxSackBlocks; ++b) {
          out.sacks[b] = SackRange{load_be32(v + 8 * b), load_be32(v + 8 * b + 4)};
          ++out.sack_count;
        }
        break;
      }
      default:
        break;
    }
    i += len;
  }
  return true;
}

}  // namespace

uint32_t pseudo_header_sum(net::Ipv4Address source, net::Ipv4Address destination, uint16_t tcp_length) {
  uint32_t sum = (source.value >> 16) + (source.value & 0xffff) + (destination.value >> 16) +
                 (destination.value & 0xffff);
  sum += static_cast<uint32_t>(net::IpProtocol::kTcp);
  sum += tcp_length;
  return sum;
}

HeaderParse parse_segment(std::span<const uint8_t> segment, net::Ipv4Address source,
                          net::Ipv4Address destination, bool checksum_verified) {
  HeaderParse out;
  if (segment.size() < kTcpMinHeaderSize) return out;
  const uint8_t* p = segment.data();
  const size_t offset = static_cast<size_t>(p[12] >> 4) * 4;
  if (offset < kTcpMinHeaderSize) {
    out.error = HeaderError::kBadOffset;
    return out;
  }
  if (offset > segment.size()) return out;
  if (!checksum_verified) {
    const uint32_t pseudo = pseudo_header_sum(source, destination, static_cast<uint16_t>(segment.size()));
    if (checksum_finish(checksum_partial(segment, pseudo)) != 0) {
      out.error = HeaderError::kBadChecksum;
      return out;
    }
  }
  SegmentHeader h;
  h.source_port = load_be16(p);
  h.destination_port = load_be16(p + 2);
  h.seq = load_be32(p + 4);
  h.ack = load_be32(p + 8);
  h.flags = p[13];
  h.window = load_be16(p + 14);
  h.urgent = load_be16(p + 18);
  h.header_length = static_cast<uint8_t>(offset);
  if (!parse_options(segment.subspan(kTcpMinHeaderSize, offset - kTcpMinHeaderSize), h.has(flags::kSyn),
                     h.options)) {
    out.error = HeaderError::kBadOption;
    return out;
  }
  out.header = h;
  return out;
}

size_t options_size(const TcpOptions& o, bool syn) {
  size_t n = 0;
  if (syn) {
    if (o.mss) n += 4;
    if (o.window_scale != 0xff) n += 4;                 // NOP + 3
    if (o.sack_permitted && !o.has_timestamps) n += 4;  // NOP NOP + 2 (shares the timestamps' padding)
  }
  if (o.has_timestamps) n += 12;  // NOP NOP + 10 (SACK-permitted, if any, takes the NOPs' place)
  if (o.sack_count > 0) {
    const size_t room = (40 - n - 4) / 8;  // NOP NOP kind len, then 8 bytes a block
    const size_t blocks = o.sack_count < room ? o.sack_count : room;
    if (blocks > 0) n += 4 + 8 * blocks;
  }
  return n;
}

size_t write_header(std::span<uint8_t> out, const SegmentHeader& h) {
  uint8_t* p = out.data();
  store_be16(p, h.source_port);
  store_be16(p + 2, h.destination_port);
  store_be32(p + 4, h.seq);
  store_be32(p + 8, h.ack);
  p[13] = h.flags;
  store_be16(p + 14, h.window);
  store_be16(p + 16, 0);
  store_be16(p + 18, h.urgent);
  const bool syn = h.has(flags::kSyn);
  const TcpOptions& o = h.options;
  uint8_t* q = p + kTcpMinHeaderSize;
  if (syn && o.mss) {
    q[0] = kMss;
    q[1] = 4;
    store_be16(q + 2, o.mss);
    q += 4;
  }
  if (syn && o.window_scale != 0xff) {
    q[0] = kNop;
    q[1] = kWindowScale;
    q[2] = 3;
    q[3] = o.window_scale;
    q += 4;
  }
  if (o.has_timestamps) {
    if (syn && o.sack_permitted) {
      q[0] = kSackPermitted;
      q[1] = 2;
    } else {
      q[0] = kNop;
      q[1] = kNop;
    }
    q[2] = kTimestamps;
    q[3] = 10;
    store_be32(q + 4, o.ts_value);
    store_be32(q + 8, o.ts_echo);
    q += 12;
  } else if (syn && o.sack_permitted) {
    q[0] = kNop;
    q[1] = kNop;
    q[2] = kSackPermitted;
    q[3] = 2;
    q += 4;
  }
  if (o.sack_count > 0) {
    const size_t used = static_cast<size_t>(q - (p + kTcpMinHeaderSize));
    const size_t room = (40 - used - 4) / 8;
    const size_t blocks = o.sack_count < room ? o.sack_count : room;
    if (blocks > 0) {
      q[0] = kNop;
      q[1] = kNop;
      q[2] = kSack;
      q[3] = static_cast<uint8_t>(2 + 8 * blocks);
      q += 4;
      for (size_t b = 0; b < blocks; ++b) {
        store_be32(q, o.sacks[b].left);
        store_be32(q + 4, o.sacks[b].right);
        q += 8;
      }
    }
  }
  const size_t size = static_cast<size_t>(q - p);
  p[12] = static_cast<uint8_t>((size / 4) << 4);
  return size;
}

void finish_checksum(std::span<uint8_t> segment, net::Ipv4Address source, net::Ipv4Address destination) {
  store_be16(segment.data() + 16, 0);
  const uint32_t pseudo = pseudo_header_sum(source, destination, static_cast<uint16_t>(segment.size()));
  store_be16(segment.data() + 16, checksum_finish(checksum_partial(segment, pseudo)));
}

}  // namespace tollgate::tcp
