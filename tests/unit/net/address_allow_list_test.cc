#include "engine/net/address_allow_list.h"

#include <gtest/gtest.h>

#include <vector>

namespace tollgate::net {
namespace {

Ipv4Address ip(const char* text) {
  return *Ipv4Address::parse(text);
}

AddressAllowList list(std::vector<const char*> texts) {
  std::vector<Ipv4Prefix> prefixes;
  for (const char* t : texts) prefixes.push_back(*Ipv4Prefix::parse(t));
  return AddressAllowList(prefixes);
}

TEST(AddressAllowList, EmptyAllowsNobody) {
  const AddressAllowList l;
  EXPECT_FALSE(l.allows(ip("0.0.0.0")));
  EXPECT_FALSE(l.allows(ip("198.18.0.2")));
}

TEST(AddressAllowList, PrefixesAndHosts) {
  const AddressAllowList l = list({"198.18.1.7/32", "198.18.0.0/24", "10.0.0.0/8"});
  EXPECT_TRUE(l.allows(ip("198.18.0.0")));
  EXPECT_TRUE(l.allows(ip("198.18.0.255")));
  EXPECT_TRUE(l.allows(ip("198.18.1.7")));
  EXPECT_TRUE(l.allows(ip("10.255.255.255")));
  EXPECT_FALSE(l.allows(ip("198.18.1.6")));
  EXPECT_FALSE(l.allows(ip("198.18.1.8")));
  EXPECT_FALSE(l.allows(ip("198.17.255.255")));
  EXPECT_FALSE(l.allows(ip("9.255.255.255")));
  EXPECT_FALSE(l.allows(ip("11.0.0.0")));
}

TEST(AddressAllowList, OverlappingAndAdjacentMerge) {
  const AddressAllowList l = list({"198.18.0.0/25", "198.18.0.128/25", "198.18.0.7/32", "198.18.0.0/16"});
  EXPECT_EQ(l.range_count(), 1u);
  EXPECT_TRUE(l.allows(ip("198.18.255.255")));
  EXPECT_FALSE(l.allows(ip("198.19.0.0")));
}

TEST(AddressAllowList, WholeSpaceAndTopOfSpace) {
  EXPECT_TRUE(list({"0.0.0.0/0"}).allows(ip("255.255.255.255")));
  EXPECT_TRUE(list({"0.0.0.0/0"}).allows(ip("0.0.0.0")));
  const AddressAllowList top = list({"255.255.255.255/32", "255.255.255.254/32"});
  EXPECT_EQ(top.range_count(), 1u);
  EXPECT_TRUE(top.allows(ip("255.255.255.255")));
  EXPECT_FALSE(top.allows(ip("255.255.255.253")));
}

}  // namespace
}  // namespace tollgate::net
