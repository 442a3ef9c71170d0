#include "engine/net/frame_input.h"

#include <gtest/gtest.h>

#include <vector>

#include "engine/common/byte_order.h"
#include "engine/common/checksum.h"
#include "engine/net/ethernet.h"
#include "tests/unit/test_frames.h"

namespace tollgate::net {
namespace {

using tollgate::testing::hex_bytes;

class FrameInputTest : public ::testing::Test {
 protected:
  InterfaceConfig iface{*MacAddress::parse("02:00:00:00:00:01"), *Ipv4Prefix::parse("198.18.0.1/24"), {}};
  L2L3Counters counters;

  FrameVerdict run(std::vector<uint8_t>& frame, bool csum_verified = false) {
    return handle_frame(iface, frame, FrameInputOptions{csum_verified}, counters);
  }
  void expect_drop(std::vector<uint8_t> frame, DropReason reason) {
    const uint64_t before = counters.frames_in.get();
    const FrameVerdict v = run(frame);
    EXPECT_EQ(v.action, FrameAction::kDrop);
    EXPECT_EQ(drop_reason_name(v.reason), drop_reason_name(reason));
    EXPECT_EQ(counters.frames_in.get(), before + 1);
  }
  // Recomputes the IPv4 header checksum after a test edits the header.
  static void fix_ip_checksum(std::vector<uint8_t>& f) {
    const size_t ihl = size_t{f[14] & 0x0fu} * 4;
    store_be16(&f[24], 0);
    store_be16(&f[24], checksum_compute(std::span<const uint8_t>(f).subspan(14, ihl)));
  }
  static void fix_icmp_checksum(std::vector<uint8_t>& f, size_t icmp_at = 34) {
    const size_t total = load_be16(&f[16]);
    store_be16(&f[icmp_at + 2], 0);
    store_be16(&f[icmp_at + 2],
               checksum_compute(std::span<const uint8_t>(f).subspan(icmp_at, 14 + total - icmp_at)));
  }
};

TEST_F(FrameInputTest, AnswersArpRequestExactlyAsLinuxDoes) {
  auto frame = hex_bytes(testing::kArpRequest);
  const FrameVerdict v = run(frame);
  ASSERT_EQ(v.action, FrameAction::kTransmit);
  EXPECT_EQ(frame, hex_bytes(testing::kArpReply));
  ASSERT_TRUE(v.neighbour);
  EXPECT_EQ(v.neighbour->ip.to_string(), "198.18.0.2");
  EXPECT_EQ(v.neighbour->mac.to_string(), "02:00:00:00:00:02");
  EXPECT_TRUE(v.neighbour->create);
  EXPECT_EQ(counters.arp_requests_answered.get(), 1u);
}

TEST_F(FrameInputTest, PaddedArpRequestKeepsItsLength) {
  auto frame = hex_bytes(testing::kArpRequest);
  frame.resize(60, 0);
  ASSERT_EQ(run(frame).action, FrameAction::kTransmit);
  EXPECT_EQ(frame.size(), 60u);
}

TEST_F(FrameInputTest, ArpRequestForAnotherAddressOnlyRefreshesExistingEntries) {
  auto frame = hex_bytes(testing::kArpRequest);
  frame[41] = 0x09;  // who has 198.18.0.9
  const FrameVerdict v = run(frame);
  EXPECT_EQ(v.action, FrameAction::kDrop);
  EXPECT_EQ(v.reason, DropReason::kArpNotForUs);
  ASSERT_TRUE(v.neighbour);
  EXPECT_FALSE(v.neighbour->create);
}

TEST_F(FrameInputTest, ArpReplyIsLearnedAndConsumed) {
  auto frame = hex_bytes(testing::kArpReply);
  // Make it a reply from 198.18.0.2 to us.
  std::swap_ranges(frame.begin(), frame.begin() + 6, frame.begin() + 6);
  std::swap_ranges(frame.begin() + 22, frame.begin() + 32, frame.begin() + 32);
  const FrameVerdict v = run(frame);
  EXPECT_EQ(v.action, FrameAction::kConsumed);
  ASSERT_TRUE(v.neighbour);
  EXPECT_EQ(v.neighbour->ip.to_string(), "198.18.0.2");
  EXPECT_TRUE(v.neighbour->create);
  EXPECT_EQ(counters.arp_replies_received.get(), 1u);
}

TEST_F(FrameInputTest, ArpProbeIsAnsweredButNotLearned) {
  auto frame = hex_bytes(testing::kArpRequest);
  std::fill(frame.begin() + 28, frame.begin() + 32, 0);  // sender 0.0.0.0 (RFC 5227 probe)
  const FrameVerdict v = run(frame);
  EXPECT_EQ(v.action, FrameAction::kTransmit);
  EXPECT_FALSE(v.neighbour);
}

TEST_F(FrameInputTest, MalformedArp) {
  const auto good = hex_bytes(testing::kArpRequest);
  auto truncated = good;
  truncated.resize(14 + 27);
  expect_drop(truncated, DropReason::kArpMalformed);
  auto bad_htype = good;
  bad_htype[15] = 6;
  expect_drop(bad_htype, DropReason::kArpMalformed);
  auto bad_ptype = good;
  bad_ptype[16] = 0x86;
  expect_drop(bad_ptype, DropReason::kArpMalformed);
  auto bad_hlen = good;
  bad_hlen[18] = 8;
  expect_drop(bad_hlen, DropReason::kArpMalformed);
  auto bad_op = good;
  bad_op[21] = 3;
  expect_drop(bad_op, DropReason::kArpUnsupportedOp);
  auto group_sender = good;
  group_sender[22] = 0x01;
  expect_drop(group_sender, DropReason::kArpBadSender);
  auto claims_our_ip = good;
  claims_our_ip[31] = 0x01;
  expect_drop(claims_our_ip, DropReason::kArpBadSender);
}

TEST_F(FrameInputTest, AnswersEchoRequestInPlace) {
  auto frame = hex_bytes(testing::kEchoRequest);
  const FrameVerdict v = run(frame);
  ASSERT_EQ(v.action, FrameAction::kRoute);
  EXPECT_EQ(v.route_to.to_string(), "198.18.0.2");
  // The Ethernet header is the output path's job; everything after it must match byte for byte.
  const auto expected = hex_bytes(testing::kEchoReply);
  EXPECT_EQ(std::vector<uint8_t>(frame.begin() + 14, frame.end()),
            std::vector<uint8_t>(expected.begin() + 14, expected.end()));
  EXPECT_EQ(counters.icmp_echo_answered.get(), 1u);
}

TEST_F(FrameInputTest, EchoReplyTtlIsResetWithValidChecksum) {
  auto frame = hex_bytes(testing::kEchoRequest);
  frame[22] = 3;  // arrived with TTL 3
  fix_ip_checksum(frame);
  ASSERT_EQ(run(frame).action, FrameAction::kRoute);
  EXPECT_EQ(frame[22], 64);
  EXPECT_EQ(checksum_compute(std::span<const uint8_t>(frame).subspan(14, 20)), 0);
}

TEST_F(FrameInputTest, EthernetPaddingIsNotPartOfTheIcmpMessage) {
  auto frame = hex_bytes(testing::kEchoRequest);
  frame.resize(frame.size() + 8, 0xee);  // trailing padding must not enter the checksum
  EXPECT_EQ(run(frame).action, FrameAction::kRoute);
}

TEST_F(FrameInputTest, MalformedEthernet) {
  expect_drop(std::vector<uint8_t>(13, 0xff), DropReason::kRunt);
  expect_drop({}, DropReason::kRunt);
  auto other_mac = hex_bytes(testing::kEchoRequest);
  other_mac[5] = 0x07;
  expect_drop(other_mac, DropReason::kNotOurMac);
  auto multicast = hex_bytes(testing::kEchoRequest);
  multicast[0] = 0x01;
  expect_drop(multicast, DropReason::kNotOurMac);
  auto unknown = hex_bytes(testing::kEchoRequest);
  store_be16(&unknown[12], 0x88b5);
  expect_drop(unknown, DropReason::kUnknownEtherType);
  auto length_field = hex_bytes(testing::kEchoRequest);
  store_be16(&length_field[12], 0x002e);  // 802.3 length, not an EtherType
  expect_drop(length_field, DropReason::kUnknownEtherType);
  auto vlan = hex_bytes(testing::kEchoRequest);
  store_be16(&vlan[12], 0x8100);
  expect_drop(vlan, DropReason::kVlanTagged);
  auto v6 = hex_bytes(testing::kEchoRequest);
  store_be16(&v6[12], 0x86dd);
  expect_drop(v6, DropReason::kIpv6);
}

TEST_F(FrameInputTest, MalformedIpv4) {
  const auto good = hex_bytes(testing::kEchoRequest);
  auto short_header = good;
  short_header.resize(14 + 19);
  expect_drop(short_header, DropReason::kIpv4Malformed);
  auto version = good;
  version[14] = 0x65;
  fix_ip_checksum(version);
  expect_drop(version, DropReason::kIpv4Malformed);
  auto ihl_small = good;
  ihl_small[14] = 0x44;
  expect_drop(ihl_small, DropReason::kIpv4Malformed);
  auto ihl_huge = good;
  ihl_huge[14] = 0x4f;  // 60 bytes, more than the total length
  expect_drop(ihl_huge, DropReason::kIpv4Malformed);
  auto total_long = good;
  store_be16(&total_long[16], 1500);
  fix_ip_checksum(total_long);
  expect_drop(total_long, DropReason::kIpv4Malformed);
  auto total_short = good;
  store_be16(&total_short[16], 19);
  fix_ip_checksum(total_short);
  expect_drop(total_short, DropReason::kIpv4Malformed);
  auto checksum = good;
  checksum[25] ^= 0x01;
  expect_drop(checksum, DropReason::kIpv4BadChecksum);
  auto ttl0 = good;
  ttl0[22] = 0;
  fix_ip_checksum(ttl0);
  expect_drop(ttl0, DropReason::kIpv4TtlZero);
  auto more_fragments = good;
  more_fragments[20] = 0x20;
  fix_ip_checksum(more_fragments);
  expect_drop(more_fragments, DropReason::kIpv4Fragment);
  auto offset = good;
  store_be16(&offset[20], 0x0010);
  fix_ip_checksum(offset);
  expect_drop(offset, DropReason::kIpv4Fragment);
  auto not_us = good;
  not_us[33] = 0x09;
  fix_ip_checksum(not_us);
  expect_drop(not_us, DropReason::kIpv4NotForUs);
  auto broadcast_dst = good;
  broadcast_dst[33] = 0xff;
  fix_ip_checksum(broadcast_dst);
  expect_drop(broadcast_dst, DropReason::kIpv4NotForUs);
  for (uint8_t first_octet : {uint8_t{0}, uint8_t{127}, uint8_t{224}, uint8_t{255}}) {
    auto bad_source = good;
    std::fill(bad_source.begin() + 26, bad_source.begin() + 30, first_octet);
    fix_ip_checksum(bad_source);
    expect_drop(bad_source, DropReason::kIpv4BadSource);
  }
  auto unknown = good;
  unknown[23] = 253;
  fix_ip_checksum(unknown);
  expect_drop(unknown, DropReason::kIpv4UnknownProtocol);
}

TEST_F(FrameInputTest, Ipv4OptionsAreRefused) {
  auto frame = hex_bytes(testing::kEchoRequest);
  // Insert a 4-byte NOP option block after the 20-byte header.
  frame.insert(frame.begin() + 34, {0x01, 0x01, 0x01, 0x00});
  frame[14] = 0x46;
  store_be16(&frame[16], static_cast<uint16_t>(load_be16(&frame[16]) + 4));
  fix_ip_checksum(frame);
  expect_drop(frame, DropReason::kIpv4Options);
}

TEST_F(FrameInputTest, ChecksumOffloadSkipsHeaderCheck) {
  auto frame = hex_bytes(testing::kEchoRequest);
  frame[25] ^= 0x01;
  EXPECT_EQ(run(frame, /*csum_verified=*/true).action, FrameAction::kRoute);
}

TEST_F(FrameInputTest, MalformedIcmp) {
  const auto good = hex_bytes(testing::kEchoRequest);
  auto truncated = good;
  store_be16(&truncated[16], 20 + 7);
  fix_ip_checksum(truncated);
  expect_drop(truncated, DropReason::kIcmpMalformed);
  auto bad_sum = good;
  bad_sum[40] ^= 0xff;
  expect_drop(bad_sum, DropReason::kIcmpBadChecksum);
  auto reply = good;
  reply[34] = 0;
  fix_icmp_checksum(reply);
  expect_drop(reply, DropReason::kIcmpUnsupportedType);
  auto code = good;
  code[35] = 1;
  fix_icmp_checksum(code);
  expect_drop(code, DropReason::kIcmpUnsupportedType);
}

TEST_F(FrameInputTest, TcpAndUdpAreDeliveredToL4) {
  auto frame = hex_bytes(testing::kEchoRequest);
  frame[23] = 6;
  fix_ip_checksum(frame);
  const FrameVerdict v = run(frame);
  EXPECT_EQ(v.action, FrameAction::kDeliver);
  EXPECT_EQ(v.l4_offset, 34);
  EXPECT_EQ(v.l4_length, 24);
  EXPECT_EQ(v.l4_protocol, 6);
  EXPECT_EQ(v.source.to_string(), "198.18.0.2");
  EXPECT_EQ(v.destination.to_string(), "198.18.0.1");
}

TEST_F(FrameInputTest, CountersAccumulateDropsByReason) {
  expect_drop(std::vector<uint8_t>(5, 0), DropReason::kRunt);
  expect_drop(std::vector<uint8_t>(5, 0), DropReason::kRunt);
  EXPECT_EQ(counters.dropped(DropReason::kRunt), 0u) << "handle_frame reports, the caller counts";
}

}  // namespace
}  // namespace tollgate::net
