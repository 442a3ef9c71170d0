#include "engine/tcp/header.h"

#include <gtest/gtest.h>

#include <vector>

#include "engine/common/byte_order.h"
#include "tests/unit/test_frames.h"

namespace tollgate::tcp {
namespace {

using tollgate::testing::hex_bytes;

const net::Ipv4Address kClient = *net::Ipv4Address::parse("198.18.0.2");
const net::Ipv4Address kServer = *net::Ipv4Address::parse("198.18.0.1");

// Linux's SYN (captured; the checksum field held only the offload seed, so tests recompute it).
std::vector<uint8_t> linux_syn() {
  auto s = hex_bytes(
      "aa62 1b58 b674 c357 0000 0000 a002 faf0 0000 0000 0204 05b4 0402 080a b77a 80a9 0000 0000 0103 030a");
  finish_checksum(s, kClient, kServer);
  return s;
}

TEST(TcpHeader, ParsesLinuxSyn) {
  const auto syn = linux_syn();
  const HeaderParse p = parse_segment(syn, kClient, kServer, false);
  ASSERT_TRUE(p.header);
  const SegmentHeader& h = *p.header;
  EXPECT_EQ(h.source_port, 43618);
  EXPECT_EQ(h.destination_port, 7000);
  EXPECT_EQ(h.seq, 3061105495u);
  EXPECT_EQ(h.flags, flags::kSyn);
  EXPECT_EQ(h.window, 64240);
  EXPECT_EQ(h.header_length, 40);
  EXPECT_EQ(h.options.mss, 1460);
  EXPECT_TRUE(h.options.sack_permitted);
  EXPECT_TRUE(h.options.has_timestamps);
  EXPECT_EQ(h.options.ts_value, 3078258857u);
  EXPECT_EQ(h.options.ts_echo, 0u);
  EXPECT_EQ(h.options.window_scale, 10);
}

TEST(TcpHeader, WritesWhatItParses) {
  SegmentHeader h;
  h.source_port = 7000;
  h.destination_port = 43618;
  h.seq = 2841590427u;
  h.ack = 3061105496u;
  h.flags = flags::kSyn | flags::kAck;
  h.window = 65160;
  h.options.mss = 1460;
  h.options.sack_permitted = true;
  h.options.has_timestamps = true;
  h.options.ts_value = 2436323047u;
  h.options.ts_echo = 3078258857u;
  h.options.window_scale = 10;
  std::vector<uint8_t> buf(60);
  const size_t n = write_header(buf, h);
  EXPECT_EQ(n, 20 + options_size(h.options, true));
  EXPECT_EQ(n % 4, 0u);
  buf.resize(n);
  finish_checksum(buf, kServer, kClient);
  const HeaderParse p = parse_segment(buf, kServer, kClient, false);
  ASSERT_TRUE(p.header);
  EXPECT_EQ(p.header->seq, h.seq);
  EXPECT_EQ(p.header->ack, h.ack);
  EXPECT_EQ(p.header->flags, h.flags);
  EXPECT_EQ(p.header->window, h.window);
  EXPECT_EQ(p.header->options.mss, 1460);
  EXPECT_TRUE(p.header->options.sack_permitted);
  EXPECT_EQ(p.header->options.window_scale, 10);
  EXPECT_EQ(p.header->options.ts_value, h.options.ts_value);
  EXPECT_EQ(p.header->options.ts_echo, h.options.ts_echo);
}

TEST(TcpHeader, SackBlocksRoundTripAndAreLimitedByRoom) {
  SegmentHeader h;
  h.flags = flags::kAck;
  h.options.has_timestamps = true;
  h.options.sack_count = 4;
  for (uint32_t i = 0; i < 4; ++i) h.options.sacks[i] = {1000 * i + 0xfffff000u, 1000 * i + 0xfffff100u};
  std::vector<uint8_t> buf(60);
  buf.resize(write_header(buf, h));
  EXPECT_LE(buf.size(), 60u);
  finish_checksum(buf, kServer, kClient);
  const HeaderParse p = parse_segment(buf, kServer, kClient, false);
  ASSERT_TRUE(p.header);
  EXPECT_EQ(p.header->options.sack_count, 3) << "timestamps leave room for three blocks";
  EXPECT_EQ(p.header->options.sacks[2].left, 2000 + 0xfffff000u);
  h.options.has_timestamps = false;
  buf.assign(60, 0);
  buf.resize(write_header(buf, h));
  finish_checksum(buf, kServer, kClient);
  EXPECT_EQ(parse_segment(buf, kServer, kClient, false).header->options.sack_count, 4);
}

TEST(TcpHeader, SynOnlyOptionsAreIgnoredOutsideSyn) {
  auto s = linux_syn();
  s[13] = flags::kAck;
  finish_checksum(s, kClient, kServer);
  const HeaderParse p = parse_segment(s, kClient, kServer, false);
  ASSERT_TRUE(p.header);
  EXPECT_EQ(p.header->options.mss, 0);
  EXPECT_EQ(p.header->options.window_scale, 0xff);
  EXPECT_FALSE(p.header->options.sack_permitted);
  EXPECT_TRUE(p.header->options.has_timestamps);
}

TEST(TcpHeader, RejectsMalformed) {
  const auto good = linux_syn();
  EXPECT_EQ(parse_segment(std::span(good).first(19), kClient, kServer, true).error, HeaderError::kTruncated);
  auto small_offset = good;
  small_offset[12] = 0x40;
  EXPECT_EQ(parse_segment(small_offset, kClient, kServer, true).error, HeaderError::kBadOffset);
  auto big_offset = good;
  big_offset[12] = 0xf0;
  EXPECT_EQ(parse_segment(big_offset, kClient, kServer, true).error, HeaderError::kTruncated);
  auto bad_sum = good;
  bad_sum[30] ^= 1;
  EXPECT_EQ(parse_segment(bad_sum, kClient, kServer, false).error, HeaderError::kBadChecksum);
  EXPECT_TRUE(parse_segment(bad_sum, kClient, kServer, true).header) << "offload said good";
  auto wrong_pseudo = good;
  EXPECT_EQ(parse_segment(wrong_pseudo, kServer, kClient, false).header.has_value(), true)
      << "swapping the addresses keeps the pseudo-header sum";
  EXPECT_EQ(parse_segment(wrong_pseudo, kClient, *net::Ipv4Address::parse("198.18.0.9"), false).error,
            HeaderError::kBadChecksum);
  for (uint8_t bad_len : {uint8_t{0}, uint8_t{1}, uint8_t{3}, uint8_t{30}}) {
    auto opt = good;
    opt[21] = bad_len;  // MSS option length
    EXPECT_EQ(parse_segment(opt, kClient, kServer, true).error, HeaderError::kBadOption) << int(bad_len);
  }
  auto huge_wscale = good;
  huge_wscale[39] = 20;
  EXPECT_EQ(parse_segment(huge_wscale, kClient, kServer, true).header->options.window_scale, kMaxWindowScale);
}

}  // namespace
}  // namespace tollgate::tcp
