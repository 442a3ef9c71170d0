#include "engine/tls/sni_index.h"

#include <gtest/gtest.h>

#include <string>

namespace tollgate::tls {
namespace {

TEST(SniIndex, FirstAddedWinsForTheSameName) {
  SniIndex index;
  index.add("b.test", 2);
  index.add("a.test", 0);
  index.add("a.test", 1);
  index.add("*.test", 5);
  index.add("*.test", 6);
  index.finish();
  EXPECT_EQ(index.find("a.test"), 0);
  EXPECT_EQ(index.find("b.test"), 2);
  EXPECT_EQ(index.find("c.test"), 5);
  EXPECT_EQ(index.find("test"), std::nullopt);
}

TEST(SniIndex, NamesLongerThanDnsAllowsMatchNothing) {
  SniIndex index;
  const std::string label(63, 'a');
  const std::string longest = label + "." + label + "." + label + "." + std::string(61, 'b');  // 253
  index.add(longest, 1);
  index.add("*.test", 2);
  index.finish();
  EXPECT_EQ(index.find(longest), 1);
  EXPECT_EQ(index.find(std::string(300, 'x') + ".test"), std::nullopt);
}

TEST(SniIndex, EmptyIndexFindsNothing) {
  SniIndex index;
  index.finish();
  EXPECT_EQ(index.find("a.test"), std::nullopt);
  EXPECT_EQ(index.find(""), std::nullopt);
}

}  // namespace
}  // namespace tollgate::tls
