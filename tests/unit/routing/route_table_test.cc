#include "engine/routing/route_table.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <utility>

#include "tests/unit/routing/routing_fixture.h"

namespace tollgate::routing {
namespace {

using testing::compile_error;
using testing::fixed;
using testing::host_rule;
using testing::path_rule;
using testing::Request;
using testing::Table;

TEST(RouteTable, LowestPriorityWinsRegardlessOfOrder) {
  Table t({path_rule(30, PathMatch::kPrefix, {"/"}), path_rule(10, PathMatch::kPrefix, {"/api/"}),
           path_rule(20, PathMatch::kPrefix, {"/api/v1/"})});
  EXPECT_EQ(t.route("example.com", "/api/v1/users"), 10u);
  EXPECT_EQ(t.route("example.com", "/api/v2"), 10u);
  EXPECT_EQ(t.route("example.com", "/web"), 30u);
}

TEST(RouteTable, MatchGivesTheRulesActionOrTheDefault) {
  std::vector<Rule> rules{path_rule(5, PathMatch::kExact, {"/a"}), path_rule(6, PathMatch::kExact, {"/b"})};
  rules[1].action = fixed(418);
  Table t(std::move(rules));
  const auto outcome = [&t](std::string path) {
    Request r;
    r.path = std::move(path);
    const auto m = t.table().match(r.view(), t.scratch());
    return std::pair{m.priority, std::get<FixedResponseAction>(m.action->what).status};
  };
  EXPECT_EQ(outcome("/b"), std::pair(6u, uint16_t{418}));
  EXPECT_EQ(outcome("/other"), std::pair(0u, uint16_t{404}));  // the default action
}

TEST(RouteTable, EmptyTableGivesTheDefault) {
  Table t({});
  EXPECT_EQ(t.route("example.com", "/"), 0u);
}

TEST(RouteTable, PathGlob) {
  Table t({path_rule(1, PathMatch::kGlob, {"/img/*.png"}), path_rule(2, PathMatch::kGlob, {"/v?/items"}),
           path_rule(3, PathMatch::kGlob, {"/a.b"})});
  EXPECT_EQ(t.route("h", "/img/cat.png"), 1u);
  EXPECT_EQ(t.route("h", "/img/deep/cat.png"), 1u);  // '*' crosses '/'
  EXPECT_EQ(t.route("h", "/img/cat.png.bak"), 0u);   // whole path
  EXPECT_EQ(t.route("h", "/IMG/cat.png"), 0u);       // case-sensitive
  EXPECT_EQ(t.route("h", "/v1/items"), 2u);
  EXPECT_EQ(t.route("h", "/v12/items"), 0u);  // '?' is one character
  EXPECT_EQ(t.route("h", "/a.b"), 3u);
  EXPECT_EQ(t.route("h", "/axb"), 0u);  // '.' is literal
}

TEST(RouteTable, PathExactAndPrefix) {
  Table t({path_rule(1, PathMatch::kExact, {"/login", "/logout"}),
           path_rule(2, PathMatch::kPrefix, {"/static/"}), path_rule(3, PathMatch::kExact, {"/a*"})});
  EXPECT_EQ(t.route("h", "/login"), 1u);
  EXPECT_EQ(t.route("h", "/logout"), 1u);
  EXPECT_EQ(t.route("h", "/login/"), 0u);
  EXPECT_EQ(t.route("h", "/login\n"), 0u);  // \z, not $
  EXPECT_EQ(t.route("h", "/static/app.js"), 2u);
  EXPECT_EQ(t.route("h", "/static"), 0u);
  EXPECT_EQ(t.route("h", "/x/static/"), 0u);  // anchored at the start
  EXPECT_EQ(t.route("h", "/a*"), 3u);         // no wildcards in exact
  EXPECT_EQ(t.route("h", "/ab"), 0u);
}

TEST(RouteTable, PathRegex) {
  Table t({path_rule(1, PathMatch::kRegex, {"^/users/[0-9]+/orders$"}),
           path_rule(2, PathMatch::kRegex, {"\\.php"})});
  EXPECT_EQ(t.route("h", "/users/42/orders"), 1u);
  EXPECT_EQ(t.route("h", "/users/x/orders"), 0u);
  EXPECT_EQ(t.route("h", "/wp/index.php?x"), 2u);  // unanchored as given
}

TEST(RouteTable, HostExactWildcardPortDotAndCase) {
  Table t({host_rule(1, {"api.example.com"}), host_rule(2, {"*.example.com"}), host_rule(3, {"host?.test"}),
           host_rule(4, {"Upper.Example.ORG."})});
  EXPECT_EQ(t.route("api.example.com", "/"), 1u);
  EXPECT_EQ(t.route("API.Example.COM", "/"), 1u);
  EXPECT_EQ(t.route("api.example.com:8443", "/"), 1u);
  EXPECT_EQ(t.route("api.example.com.", "/"), 1u);
  EXPECT_EQ(t.route("api.example.com.:443", "/"), 1u);
  EXPECT_EQ(t.route("www.example.com", "/"), 2u);
  EXPECT_EQ(t.route("a.b.example.com", "/"), 2u);
  EXPECT_EQ(t.route("example.com", "/"), 0u);  // "*." needs the dot
  EXPECT_EQ(t.route("www.example.com.evil", "/"), 0u);
  EXPECT_EQ(t.route("host1.test", "/"), 3u);
  EXPECT_EQ(t.route("host12.test", "/"), 0u);
  EXPECT_EQ(t.route("upper.example.org", "/"), 4u);
  EXPECT_EQ(t.route("", "/"), 0u);
}

// Host, path and the priority that should win.
struct Case {
  std::string host, path;
  uint32_t want;
};

void expect_routes(Table& t, const std::vector<Case>& cases) {
  for (const Case& c : cases) EXPECT_EQ(t.route(c.host, c.path), c.want) << c.host << " " << c.path;
}

TEST(RouteTable, GlobsThatAreLiteralsKeepGlobMeaning) {
  // Literal and trailing-'*' globs are matched by hash probes, the others by Hyperscan: same answers.
  Table t({path_rule(1, PathMatch::kGlob, {"/Img/*"}), path_rule(2, PathMatch::kGlob, {"/exact"}),
           path_rule(3, PathMatch::kGlob, {"/any**"}), path_rule(4, PathMatch::kGlob, {"*"})});
  expect_routes(t, {{"h", "/Img/", 1},
                    {"h", "/Img/a/b", 1},
                    {"h", "/img/a", 4},  // case-sensitive
                    {"h", "/exact", 2},
                    {"h", "/exact/", 4},
                    {"h", "/any", 3},
                    {"h", "/anything\n", 3},
                    {"h", "", 4}});
}

TEST(RouteTable, WildcardHostsAsSuffixes) {
  Table t({host_rule(1, {"*example.com"}), host_rule(2, {"*.Tenant.NET"}), host_rule(3, {"*"})});
  expect_routes(t, {{"example.com", "/", 1},  // '*' matches nothing too
                    {"myexample.com", "/", 1},
                    {"A.B.TENANT.net:80", "/", 2},
                    {".tenant.net", "/", 2},
                    {"tenant.net", "/", 3},
                    {"", "/", 3},
                    // Longer than any DNS name: no host condition holds, not even "*".
                    {std::string(300, 'a') + ".example.com", "/", 0}});
  const RequestView absent{"GET", {}, "/", "", "https", 443, nullptr, nullptr};  // no Host: no data
  EXPECT_EQ(t.table().match(absent, t.scratch()).priority, 3u);
}

// Matching clears only the bit words a request touched; what one request set must not decide the next.
TEST(RouteTable, RuleBitsDoNotLeakIntoTheNextRequest) {
  std::vector<Rule> rules;
  for (uint32_t i = 1; i <= 300; ++i) {
    rules.push_back(Rule{.priority = i,
                         .host = HostCondition{{"h" + std::to_string(i) + ".test"}},
                         .path = PathCondition{PathMatch::kPrefix, {"/p" + std::to_string(i) + "/"}},
                         .action = fixed(200)});
  }
  rules.push_back(path_rule(1000, PathMatch::kRegex, {"^/r[0-9]+$"}));
  Table t(std::move(rules));
  for (const uint32_t i : {1u, 64u, 65u, 200u, 300u}) {
    const std::string host = "h" + std::to_string(i) + ".test", path = "/p" + std::to_string(i) + "/x";
    EXPECT_EQ(t.route(host, path), i);
    // The host alone, then the path alone: each leaves half of rule i's conditions set.
    EXPECT_EQ(t.route(host, "/r1"), 1000u);
    EXPECT_EQ(t.route("other.test", path), 0u);
    EXPECT_EQ(t.route(host, "/none"), 0u);
    EXPECT_EQ(t.route("h1.test", path), i == 1 ? 1u : 0u);
  }
}

TEST(RouteTable, HostValueWithPortIsIgnored) {
  Table t({host_rule(1, {"example.com:8080"})});
  EXPECT_EQ(t.route("example.com", "/"), 1u);
  EXPECT_EQ(t.route("example.com:443", "/"), 1u);
}

TEST(RouteTable, Methods) {
  Rule r{.priority = 1, .method = MethodCondition{{"POST", "PUT"}}, .action = fixed(200)};
  Table t({r, path_rule(2, PathMatch::kPrefix, {"/"})});
  Request req;
  req.method = "POST";
  EXPECT_EQ(t.route(req), 1u);
  req.method = "PUT";
  EXPECT_EQ(t.route(req), 1u);
  req.method = "post";  // methods are case-sensitive
  EXPECT_EQ(t.route(req), 2u);
  req.method = "GET";
  EXPECT_EQ(t.route(req), 2u);
}

TEST(RouteTable, Headers) {
  Rule r{
      .priority = 1,
      .headers = {HeaderCondition{"X-Canary", {"yes", "tr?e"}}, HeaderCondition{"User-Agent", {"*Mobile*"}}},
      .action = fixed(200)};
  Table t({r});
  Request req;
  req.headers = {{"x-canary", "YES"}, {"user-agent", "Mozilla/5.0 (iPhone) Mobile Safari"}};
  EXPECT_EQ(t.route(req), 1u);
  req.headers = {{"x-canary", "true"}, {"user-agent", "x mobile"}};
  EXPECT_EQ(t.route(req), 1u);
  req.headers = {{"x-canary", "no"}, {"user-agent", "Mobile"}};
  EXPECT_EQ(t.route(req), 0u);
  req.headers = {{"user-agent", "Mobile"}};  // absent header never matches
  EXPECT_EQ(t.route(req), 0u);
}

TEST(RouteTable, EmptyHeaderValueIsPresent) {
  Table t({Rule{.priority = 1, .headers = {HeaderCondition{"x-empty", {"*"}}}, .action = fixed(200)}});
  Request req;
  req.headers = {{"x-empty", ""}};
  EXPECT_EQ(t.route(req), 1u);
  req.headers = {};
  EXPECT_EQ(t.route(req), 0u);
}

TEST(RouteTable, AllConditionsMustHold) {
  Rule both{.priority = 1,
            .host = HostCondition{{"api.example.com"}},
            .path = PathCondition{PathMatch::kPrefix, {"/v2/"}},
            .method = MethodCondition{{"GET"}},
            .headers = {HeaderCondition{"x-env", {"prod"}}},
            .action = fixed(200)};
  Table t({both, host_rule(2, {"api.example.com"}), path_rule(3, PathMatch::kPrefix, {"/v2/"})});
  Request req;
  req.host = "api.example.com";
  req.path = "/v2/things";
  req.headers = {{"x-env", "prod"}};
  EXPECT_EQ(t.route(req), 1u);
  req.method = "DELETE";  // the method fails: the next candidate in priority order
  EXPECT_EQ(t.route(req), 2u);
  req.method = "GET";
  req.headers = {};
  EXPECT_EQ(t.route(req), 2u);
  req.headers = {{"x-env", "prod"}};
  req.host = "other.example.com";
  EXPECT_EQ(t.route(req), 3u);
  req.path = "/v1/";
  EXPECT_EQ(t.route(req), 0u);
}

TEST(RouteTable, SharedValuesAcrossManyRules) {
  // One host used by 200 rules with different paths: the host compiles once and sets all 200 bits.
  std::vector<Rule> rules;
  for (uint32_t i = 1; i <= 200; ++i) {
    Rule r{.priority = i,
           .host = HostCondition{{"shared.example.com"}},
           .path = PathCondition{PathMatch::kExact, {"/p" + std::to_string(i)}},
           .action = fixed(200)};
    rules.push_back(r);
  }
  Table t(std::move(rules));
  for (uint32_t i = 1; i <= 200; i += 13)
    EXPECT_EQ(t.route("shared.example.com", "/p" + std::to_string(i)), i);
  EXPECT_EQ(t.route("other.example.com", "/p5"), 0u);
}

// A thousand-plus generated rules against a direct evaluation of each rule, in shuffled declaration order.
TEST(RouteTable, ThousandsOfGeneratedRules) {
  constexpr uint32_t kRules = 1500;
  std::vector<Rule> rules;
  for (uint32_t i = 0; i < kRules; ++i) {
    const uint32_t priority = 10 + 3 * i;
    Rule r{.priority = priority, .action = fixed(200)};
    const std::string n = std::to_string(i % 300);
    switch (i % 5) {
      case 0:
        r.host = HostCondition{{"svc" + n + ".example.com"}};
        r.path = PathCondition{PathMatch::kPrefix, {"/api/" + std::to_string(i) + "/"}};
        break;
      case 1:
        r.host = HostCondition{{"*.tenant" + std::to_string(i) + ".example.net"}};
        break;
      case 2:
        r.path = PathCondition{PathMatch::kGlob, {"/static/" + std::to_string(i) + "/*.js"}};
        break;
      case 3:
        r.path = PathCondition{PathMatch::kRegex, {"^/users/[0-9]+/r" + std::to_string(i) + "$"}};
        break;
      case 4:
        r.host = HostCondition{{"svc" + n + ".example.com"}};
        r.path = PathCondition{PathMatch::kExact, {"/exact/" + std::to_string(i)}};
        r.method = MethodCondition{{"POST"}};
        break;
    }
    rules.push_back(r);
  }
  std::vector<Rule> shuffled = rules;
  std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937(7));
  Table t(std::move(shuffled));
  ASSERT_EQ(t.table().rule_count(), kRules);
  for (uint32_t i = 0; i < kRules; i += 7) {
    const std::string n = std::to_string(i % 300), id = std::to_string(i);
    Request req;
    switch (i % 5) {
      case 0:
        req.host = "svc" + n + ".example.com";
        req.path = "/api/" + id + "/x";
        break;
      case 1:
        req.host = "a.tenant" + id + ".example.net";
        req.path = "/anything";
        break;
      case 2:
        req.host = "nohost";
        req.path = "/static/" + id + "/app.js";
        break;
      case 3:
        req.host = "nohost";
        req.path = "/users/99/r" + id;
        break;
      case 4:
        req.host = "svc" + n + ".example.com";
        req.path = "/exact/" + id;
        req.method = "POST";
        break;
    }
    EXPECT_EQ(t.route(req), rules[i].priority) << "rule " << i;
  }
  EXPECT_EQ(t.route("nohost", "/nothing"), 0u);
}

TEST(RouteTable, ScratchCloneAndPrepareForLargerTable) {
  Table small({path_rule(1, PathMatch::kExact, {"/a"})});
  std::vector<Rule> many;
  for (uint32_t i = 1; i <= 300; ++i)
    many.push_back(path_rule(i, PathMatch::kExact, {"/" + std::to_string(i)}));
  auto big = RouteTable::compile(std::move(many), fixed(404));
  ASSERT_TRUE(big);
  auto clone = small.scratch().clone();
  ASSERT_TRUE(clone);
  EXPECT_FALSE(clone->fits(big.value()));
  ASSERT_TRUE(clone->prepare(big.value()));
  EXPECT_TRUE(clone->fits(big.value()));
  Request r;
  r.path = "/299";
  EXPECT_EQ(big->match(r.view(), clone.value()).priority, 299u);
  r.path = "/a";
  EXPECT_EQ(small.table().match(r.view(), clone.value()).priority, 1u);  // still fits the old table
}

TEST(RouteTableErrors, BadRegexNamesRuleAndPattern) {
  const std::string e =
      compile_error({path_rule(1, PathMatch::kPrefix, {"/"}), path_rule(7, PathMatch::kRegex, {"(abc"})});
  EXPECT_NE(e.find("rule 7"), std::string::npos) << e;
  EXPECT_NE(e.find("(abc"), std::string::npos) << e;
}

TEST(RouteTableErrors, UnsupportedRegexConstruct) {
  const std::string e = compile_error({path_rule(3, PathMatch::kRegex, {"^/(a)\\1$"})});  // backreference
  EXPECT_NE(e.find("rule 3"), std::string::npos) << e;
}

TEST(RouteTableErrors, DuplicatePriority) {
  const std::string e = compile_error({host_rule(5, {"a.com"}), host_rule(5, {"b.com"})});
  EXPECT_NE(e.find("rule 5"), std::string::npos) << e;
  EXPECT_NE(e.find("duplicate priority"), std::string::npos) << e;
}

TEST(RouteTableErrors, BadValuesAndConditions) {
  EXPECT_NE(compile_error({host_rule(2, {"bad host.com"})}).find("rule 2: host \"bad host.com\""),
            std::string::npos);
  EXPECT_NE(compile_error({host_rule(2, {})}).find("rule 2: host condition has no values"),
            std::string::npos);
  EXPECT_NE(compile_error({path_rule(4, PathMatch::kGlob, {"/a b"})}).find("rule 4"), std::string::npos);
  EXPECT_NE(compile_error({path_rule(4, PathMatch::kExact, {""})}).find("empty"), std::string::npos);
  EXPECT_NE(compile_error({host_rule(0, {"a.com"})}).find("priority 0"), std::string::npos);
  Rule m{.priority = 9, .method = MethodCondition{{"GE T"}}, .action = fixed(200)};
  EXPECT_NE(compile_error({m}).find("rule 9: method"), std::string::npos);
  Rule h{.priority = 9, .headers = {HeaderCondition{"x:y", {"a"}}}, .action = fixed(200)};
  EXPECT_NE(compile_error({h}).find("header name"), std::string::npos);
}

TEST(RouteTableErrors, BadActions) {
  Rule r = host_rule(6, {"a.com"});
  r.action = Action{ForwardAction{}};
  EXPECT_NE(compile_error({r}).find("rule 6: forward action has no pools"), std::string::npos);
  r.action = Action{RedirectAction{.status = 200}};
  EXPECT_NE(compile_error({r}).find("redirect status 200"), std::string::npos);
  r.action = Action{RedirectAction{.port = "99999"}};
  EXPECT_NE(compile_error({r}).find("redirect port"), std::string::npos);
  r.action = Action{RedirectAction{.path = "x"}};
  EXPECT_NE(compile_error({r}).find("redirect path"), std::string::npos);
  EXPECT_NE(compile_error({}, Action{FixedResponseAction{.status = 99}}).find("default action"),
            std::string::npos);
}

}  // namespace
}  // namespace tollgate::routing
