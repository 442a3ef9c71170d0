#include "engine/routing/literal_set.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace tollgate::routing {
namespace {

// The pattern ids `text` reports, sorted.
std::vector<uint32_t> matches(const LiteralSet& set, std::string_view text) {
  std::vector<uint32_t> ids;
  set.match(text, [&ids](uint32_t id) { ids.push_back(id); });
  std::sort(ids.begin(), ids.end());
  return ids;
}

using Ids = std::vector<uint32_t>;

TEST(PrefixHasher, PrefixHashesEqualTheHashOfThePrefix) {
  const std::string text = "/a/fairly/long/path/with/many/words/and-a-tail";
  PrefixHasher hasher(text);
  for (size_t length = 0; length <= text.size(); ++length)
    EXPECT_EQ(hasher.at(length), PrefixHasher::of(text.substr(0, length))) << length;
}

TEST(PrefixHasher, ZeroBytesAndLengthBothCount) {
  using namespace std::string_view_literals;
  EXPECT_NE(PrefixHasher::of(""), PrefixHasher::of("\0"sv));
  EXPECT_NE(PrefixHasher::of("abcdefgh"), PrefixHasher::of("abcdefgh\0"sv));
  EXPECT_EQ(PrefixHasher::of(std::string_view{}), PrefixHasher::of(""));  // no data: an absent field
}

TEST(LiteralSet, ExactAndPrefix) {
  const LiteralSet set({{"/login", false, 1}, {"/static/", true, 2}, {"/", true, 3}, {"/static/", false, 4}});
  EXPECT_EQ(matches(set, "/login"), (Ids{1, 3}));
  EXPECT_EQ(matches(set, "/login/"), (Ids{3}));
  EXPECT_EQ(matches(set, "/static/"), (Ids{2, 3, 4}));  // one key, both kinds
  EXPECT_EQ(matches(set, "/static/app.js"), (Ids{2, 3}));
  EXPECT_EQ(matches(set, "/static"), (Ids{3}));
  EXPECT_EQ(matches(set, "static/"), Ids{});
  EXPECT_EQ(matches(set, ""), Ids{});
}

TEST(LiteralSet, EmptyPrefixMatchesEverything) {
  const LiteralSet set({{"", true, 7}});
  EXPECT_EQ(matches(set, ""), (Ids{7}));
  EXPECT_EQ(matches(set, std::string_view{}), (Ids{7}));
  EXPECT_EQ(matches(set, "anything"), (Ids{7}));
}

TEST(LiteralSet, PrefixesOfEveryLengthAcrossLengthWords) {
  // Lengths 1 to 150 cross the 64-bit words of the length set; every prefix of `text` is a literal.
  const std::string text(150, 'x');
  std::vector<std::string> keys;
  for (size_t n = 1; n <= text.size(); ++n) keys.push_back(text.substr(0, n));
  std::vector<LiteralSet::Literal> literals;
  for (size_t i = 0; i < keys.size(); ++i) literals.push_back({keys[i], true, static_cast<uint32_t>(i + 1)});
  const LiteralSet set(literals);
  for (const size_t n : {1u, 7u, 8u, 9u, 63u, 64u, 65u, 128u, 150u}) {
    Ids want(n);
    for (size_t i = 0; i < n; ++i) want[i] = static_cast<uint32_t>(i + 1);
    EXPECT_EQ(matches(set, text.substr(0, n)), want) << n;
  }
  EXPECT_EQ(matches(set, text + "y").size(), 150u);
  EXPECT_EQ(matches(set, "y"), Ids{});
}

TEST(LiteralSet, ManyKeysWithCollidingSlots) {
  // Enough keys that probing runs over occupied slots; each is found, and nothing else is.
  std::vector<std::string> keys;
  for (int i = 0; i < 5000; ++i) keys.push_back("/k" + std::to_string(i));
  std::vector<LiteralSet::Literal> literals;
  for (size_t i = 0; i < keys.size(); ++i) literals.push_back({keys[i], false, static_cast<uint32_t>(i)});
  const LiteralSet set(literals);
  for (size_t i = 0; i < keys.size(); i += 37)
    EXPECT_EQ(matches(set, keys[i]), (Ids{static_cast<uint32_t>(i)}));
  EXPECT_EQ(matches(set, "/k5000"), Ids{});
  EXPECT_EQ(matches(set, "/k"), Ids{});
}

}  // namespace
}  // namespace tollgate::routing
