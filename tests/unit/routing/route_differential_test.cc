// Random tables and requests over a tiny alphabet, so that values and texts often overlap, against a direct
// evaluation of each rule in priority order. Literal values (hash probes) and the others (Hyperscan) are
// mixed in the same tables.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "engine/routing/glob.h"
#include "engine/routing/host.h"
#include "tests/unit/routing/routing_fixture.h"

namespace tollgate::routing {
namespace {

using testing::fixed;
using testing::Table;

// Lowercase only, so that the case-insensitive glob of the library is also right for the case-sensitive
// path globs.
std::string random_text(std::mt19937& rng, std::string_view alphabet, size_t max_length) {
  std::string s(std::uniform_int_distribution<size_t>(0, max_length)(rng), ' ');
  for (char& c : s) c = alphabet[std::uniform_int_distribution<size_t>(0, alphabet.size() - 1)(rng)];
  return s;
}

bool path_holds(const PathCondition& c, std::string_view path) {
  for (const std::string& v : c.values) {
    switch (c.kind) {
      case PathMatch::kExact:
        if (path == v) return true;
        break;
      case PathMatch::kPrefix:
        if (path.starts_with(v)) return true;
        break;
      case PathMatch::kGlob:
        if (glob_match_caseless(v, path)) return true;
        break;
      case PathMatch::kRegex:
        break;
    }
  }
  return false;
}

uint32_t reference(const std::vector<Rule>& rules, std::string_view host, std::string_view path) {
  host = routing_host(host);
  for (const Rule& r : rules) {
    if (r.host && !std::any_of(r.host->values.begin(), r.host->values.end(), [&](const std::string& v) {
          return glob_match_caseless(routing_host(v), host);
        }))
      continue;
    if (r.path && !path_holds(*r.path, path)) continue;
    return r.priority;
  }
  return 0;
}

Rule random_rule(std::mt19937& rng, uint32_t priority) {
  Rule r{.priority = priority, .action = fixed(200)};
  const auto pick = [&rng](int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); };
  if (pick(4) != 0) {
    // Exact, "*suffix", "prefix*" or "a*b" hosts; upper case in the value must not matter.
    std::string h = random_text(rng, "abAB.", 5);
    switch (pick(4)) {
      case 0:
        h = "*" + h;
        break;
      case 1:
        h += "*";
        break;
      case 2:
        h.insert(h.size() / 2, "*");
        break;
    }
    if (routing_host(h).empty()) h.insert(0, "a");  // "" and "." are refused
    r.host = HostCondition{{h}};
  }
  if (pick(4) != 0) {
    const PathMatch kind = static_cast<PathMatch>(pick(3));  // glob, exact, prefix
    std::string p = "/" + random_text(rng, "ab/", 5);
    if (kind == PathMatch::kGlob && pick(2) == 0) p.insert(1 + pick(static_cast<int>(p.size())), "*");
    if (kind == PathMatch::kGlob && pick(3) == 0) p += "*";
    r.path = PathCondition{kind, {p}};
  }
  return r;
}

TEST(RouteDifferential, RandomTablesAgreeWithDirectEvaluation) {
  std::mt19937 rng(11);
  for (int table = 0; table < 25; ++table) {
    std::vector<Rule> rules;
    const int count = std::uniform_int_distribution<int>(1, 150)(rng);
    for (int i = 0; i < count; ++i) rules.push_back(random_rule(rng, static_cast<uint32_t>(i + 1)));
    Table t(rules);
    for (int request = 0; request < 300; ++request) {
      const std::string host = random_text(rng, "abAB.", 6), path = "/" + random_text(rng, "ab/", 7);
      ASSERT_EQ(t.route(host, path), reference(rules, host, path))
          << "table " << table << " host \"" << host << "\" path \"" << path << "\"";
    }
  }
}

}  // namespace
}  // namespace tollgate::routing
