#include "engine/routing/glob.h"

#include <gtest/gtest.h>

#include "engine/routing/host.h"

namespace tollgate::routing {
namespace {

TEST(Glob, Wildcards) {
  EXPECT_TRUE(glob_match_caseless("*", ""));
  EXPECT_TRUE(glob_match_caseless("*", "anything"));
  EXPECT_TRUE(glob_match_caseless("a*c", "abbbc"));
  EXPECT_TRUE(glob_match_caseless("a*c", "ac"));
  EXPECT_FALSE(glob_match_caseless("a*c", "abcd"));
  EXPECT_TRUE(glob_match_caseless("*a*b*", "xxaxxbxx"));
  EXPECT_TRUE(glob_match_caseless("a?c", "abc"));
  EXPECT_FALSE(glob_match_caseless("a?c", "ac"));
  EXPECT_TRUE(glob_match_caseless("*ab", "aab"));  // needs backtracking
  EXPECT_FALSE(glob_match_caseless("", "a"));
}

TEST(Glob, CaseInsensitive) {
  EXPECT_TRUE(glob_match_caseless("Hello*", "hELLO world"));
  EXPECT_FALSE(glob_match_caseless("[", "{"));  // no folding outside letters
}

TEST(RoutingHost, StripsPortAndTrailingDot) {
  EXPECT_EQ(routing_host("example.com"), "example.com");
  EXPECT_EQ(routing_host("example.com:8080"), "example.com");
  EXPECT_EQ(routing_host("example.com."), "example.com");
  EXPECT_EQ(routing_host("example.com.:443"), "example.com");
  EXPECT_EQ(routing_host("[::1]:8080"), "[::1]");
  EXPECT_EQ(routing_host(""), "");
}

}  // namespace
}  // namespace tollgate::routing
