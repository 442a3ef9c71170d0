#include "engine/net/addresses.h"

#include <gtest/gtest.h>

namespace tollgate::net {
namespace {

TEST(Ipv4Address, ParsesAndPrints) {
  auto a = Ipv4Address::parse("198.18.0.1");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->value, 0xc6120001u);
  EXPECT_EQ(a->to_string(), "198.18.0.1");
}

TEST(Ipv4Address, FormatsEveryOctetWidth) {
  for (const char* text : {"0.0.0.0", "9.10.99.100", "255.255.255.255", "198.18.0.1"}) {
    char out[16];
    const auto a = Ipv4Address::parse(text);
    ASSERT_TRUE(a);
    EXPECT_EQ(std::string(out, a->format(out)), text);
  }
}

TEST(Ipv4Address, RejectsMalformed) {
  for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.0.0.1", "1.2.3.-1", "1..2.3", "a.b.c.d", "01.2.3.4",
                          "1.2.3.4 ", " 1.2.3.4"}) {
    EXPECT_FALSE(Ipv4Address::parse(bad)) << bad;
  }
}

TEST(Ipv4Prefix, ContainsAndBroadcast) {
  auto p = Ipv4Prefix::parse("198.18.0.1/24");
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->contains(Ipv4Address::from_octets(198, 18, 0, 200)));
  EXPECT_FALSE(p->contains(Ipv4Address::from_octets(198, 18, 1, 2)));
  EXPECT_EQ(p->broadcast().to_string(), "198.18.0.255");
  EXPECT_FALSE(Ipv4Prefix::parse("198.18.0.1/33"));
  EXPECT_FALSE(Ipv4Prefix::parse("198.18.0.1/"));
  EXPECT_FALSE(Ipv4Prefix::parse("198.18.0.1"));
  EXPECT_TRUE(Ipv4Prefix::parse("0.0.0.0/0")->contains(Ipv4Address::from_octets(8, 8, 8, 8)));
}

TEST(MacAddress, ParsesAndClassifies) {
  auto m = MacAddress::parse("02:00:00:AB:cd:01");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->to_string(), "02:00:00:ab:cd:01");
  EXPECT_FALSE(m->is_group());
  EXPECT_TRUE(MacAddress::broadcast().is_group());
  EXPECT_TRUE(MacAddress::parse("01:00:5e:00:00:01")->is_group());
  EXPECT_FALSE(MacAddress::parse("02:00:00:ab:cd"));
  EXPECT_FALSE(MacAddress::parse("02-00-00-ab-cd-01"));
}

}  // namespace
}  // namespace tollgate::net
