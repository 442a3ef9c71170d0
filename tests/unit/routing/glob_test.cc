#include "engine/routing/glob.h"

#include <gtest/gtest.h>

#include <string>

#include "engine/routing/ascii.h"
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

TEST(Ascii, LowerReversedEveryByteAndLength) {
  // Every byte value, at every offset of the word-at-a-time loop, and every length up to three words.
  std::string all(256, ' ');
  for (int b = 0; b < 256; ++b) all[static_cast<size_t>(b)] = static_cast<char>(b);
  for (size_t n = 0; n <= 24; ++n) {
    for (size_t from = 0; from + n <= all.size(); from += 5) {
      const std::string_view in = std::string_view(all).substr(from, n);
      std::string out(n, '\0'), want(in.rbegin(), in.rend());
      for (char& c : want) c = ascii_lower(c);
      ascii_lower_reversed(in, out.data());
      ASSERT_EQ(out, want) << "from " << from << " length " << n;
    }
  }
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
