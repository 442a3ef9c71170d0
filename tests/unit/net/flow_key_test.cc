#include "engine/net/flow_key.h"

#include <gtest/gtest.h>

#include "tests/unit/test_frames.h"

namespace tollgate::net {
namespace {

using tollgate::testing::hex_bytes;

TEST(FlowKey, IcmpEchoUsesIdentifierOnBothSides) {
  const auto frame = hex_bytes(testing::kEchoRequest);
  auto key = flow_key_of_frame(frame);
  ASSERT_TRUE(key);
  EXPECT_EQ(key->protocol, 1);
  EXPECT_EQ(key->source.to_string(), "198.18.0.2");
  EXPECT_EQ(key->destination.to_string(), "198.18.0.1");
  EXPECT_EQ(key->source_port, 0x251f);
  EXPECT_EQ(key->destination_port, 0x251f);
}

TEST(FlowKey, TcpPortsAndFragments) {
  auto frame = hex_bytes(testing::kEchoRequest);
  frame[23] = 6;
  auto key = flow_key_of_frame(frame);
  ASSERT_TRUE(key);
  EXPECT_EQ(key->source_port, 0x0800);  // the first ICMP bytes now read as ports
  EXPECT_EQ(key->destination_port, 0x08d0);
  frame[20] = 0x20;  // more fragments: no ports
  key = flow_key_of_frame(frame);
  ASSERT_TRUE(key);
  EXPECT_EQ(key->source_port, 0);
}

TEST(FlowKey, NonIpv4AndShortFrames) {
  EXPECT_FALSE(flow_key_of_frame(hex_bytes(testing::kArpRequest)));
  auto frame = hex_bytes(testing::kEchoRequest);
  frame.resize(33);
  EXPECT_FALSE(flow_key_of_frame(frame));
  frame = hex_bytes(testing::kEchoRequest);
  frame[14] = 0x42;
  EXPECT_FALSE(flow_key_of_frame(frame));
}

}  // namespace
}  // namespace tollgate::net
