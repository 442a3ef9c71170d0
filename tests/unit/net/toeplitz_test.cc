#include "engine/net/toeplitz.h"

#include <gtest/gtest.h>

#include "engine/net/flow_steering.h"

namespace tollgate::net {
namespace {

FlowKey tcp(const char* src, uint16_t sport, const char* dst, uint16_t dport) {
  return FlowKey{*Ipv4Address::parse(src), *Ipv4Address::parse(dst), sport, dport, 6};
}

// Rows of the Microsoft RSS verification suite (IPv4): the values every NIC datasheet quotes.
TEST(Toeplitz, MicrosoftVerificationSuite) {
  const ToeplitzHash h(microsoft_rss_key());
  struct Row {
    FlowKey key;
    uint32_t ipv4_only;
    uint32_t with_tcp;
  };
  const Row rows[] = {
      {tcp("66.9.149.187", 2794, "161.142.100.80", 1766), 0x323e8fc2, 0x51ccc178},
      {tcp("199.92.111.2", 14230, "65.69.140.83", 4739), 0xd718262a, 0xc626b0ea},
      {tcp("24.19.198.95", 12898, "12.22.207.184", 38024), 0xd2d0a5de, 0x5c2b394a},
      {tcp("38.27.205.30", 48228, "209.142.163.6", 2217), 0x82989176, 0xafc7327f},
      {tcp("153.39.163.191", 44251, "202.188.127.2", 1303), 0x5d1809c5, 0x10e828a2},
  };
  for (const Row& r : rows) {
    EXPECT_EQ(h.hash_addresses(r.key), r.ipv4_only) << r.key.source.to_string();
    EXPECT_EQ(h.hash_flow(r.key), r.with_tcp) << r.key.source.to_string();
  }
}

TEST(Toeplitz, SymmetricKeyHashesBothDirectionsAlike) {
  const ToeplitzHash h(symmetric_rss_key());
  for (uint16_t port = 1000; port < 1100; ++port) {
    const FlowKey a = tcp("198.18.0.2", port, "198.18.0.1", 443);
    const FlowKey b = tcp("198.18.0.1", 443, "198.18.0.2", port);
    ASSERT_EQ(h.hash_flow(a), h.hash_flow(b));
    ASSERT_EQ(h.hash_addresses(a), h.hash_addresses(b));
  }
}

TEST(FlowSteering, OwnerIsStableSymmetricAndSpreads) {
  const FlowSteering s(4);
  std::array<int, 4> per_core{};
  for (uint16_t port = 1024; port < 5024; ++port) {
    const FlowKey a = tcp("198.18.0.2", port, "198.18.0.1", 443);
    const FlowKey b = tcp("198.18.0.1", 443, "198.18.0.2", port);
    const uint16_t owner = s.owner(a);
    ASSERT_LT(owner, 4);
    ASSERT_EQ(owner, s.owner(b));
    ++per_core[owner];
  }
  for (int n : per_core) EXPECT_GT(n, 700) << "4000 flows over 4 cores should spread";
}

TEST(FlowSteering, OneCoreOwnsEverything) {
  const FlowSteering s(1);
  EXPECT_EQ(s.owner(tcp("1.2.3.4", 1, "5.6.7.8", 2)), 0);
  EXPECT_EQ(FlowSteering(0).cores(), 1);
}

TEST(FlowSteering, RetaMapsEntriesRoundRobin) {
  const FlowSteering s(3);
  for (size_t i = 0; i < kRetaSize; ++i) EXPECT_EQ(s.reta()[i], i % 3);
}

}  // namespace
}  // namespace tollgate::net
