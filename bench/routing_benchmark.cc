// Routing one request: RouteTable (one Hyperscan scan of the host, one of the path, bitset AND) against a
// linear matcher that walks the rules in priority order with straightforward string matching, for 10 to
// 10,000 rules, in the same binary. The rule mix is what a busy listener carries: per-host path rules
// (prefix, exact, regex), wildcard tenant hosts and path-only static rules. Cases: a hit on a rule 90% down
// the list, a miss on host and path, and a near miss (the host of many rules, a path none of them takes).
//
// The linear matcher's regexes are per-rule Hyperscan databases (the fastest regex engine at hand, so the
// comparison is not flattered by a slow std::regex); its globs use the case-insensitive glob of the routing
// library (the benchmark's paths are lowercase, so the answers agree, which is checked before timing).
//
// Names: route_hit_deep|route_miss|route_near_miss / hyperscan|linear / <rules>; linear is the baseline.
// Items are routed requests.
#include <benchmark/benchmark.h>
#include <hs.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bench/micro_main.h"
#include "engine/routing/glob.h"
#include "engine/routing/host.h"
#include "engine/routing/route_scratch.h"
#include "engine/routing/route_table.h"

namespace {

using namespace tollgate::routing;

Action fixed(uint16_t status) {
  return Action{FixedResponseAction{status, "text/plain", ""}};
}

std::string service_host(uint32_t i) {
  return "svc" + std::to_string(i / 10) + ".example.com";
}

// Rule i of n, priority i + 1. Ten kinds in turn: six per-host prefix rules, then a wildcard tenant host, a
// regex path, an exact path and a path-only glob.
Rule make_rule(uint32_t i) {
  Rule r{.priority = i + 1, .action = fixed(200)};
  const std::string id = std::to_string(i);
  switch (i % 10) {
    case 6:
      r.host = HostCondition{{"*.tenant" + id + ".example.net"}};
      r.path = PathCondition{PathMatch::kGlob, {"/app/*"}};
      break;
    case 7:
      r.host = HostCondition{{service_host(i)}};
      r.path = PathCondition{PathMatch::kRegex, {"^/users/[0-9]+/orders/" + id + "$"}};
      break;
    case 8:
      r.host = HostCondition{{service_host(i)}};
      r.path = PathCondition{PathMatch::kExact, {"/health/" + id}};
      break;
    case 9:
      r.path = PathCondition{PathMatch::kGlob, {"/static/" + id + "/*.css"}};
      break;
    default:
      r.host = HostCondition{{service_host(i)}};
      r.path = PathCondition{PathMatch::kPrefix, {"/api/v" + std::to_string(i % 10) + "/r" + id + "/"}};
      break;
  }
  return r;
}

struct Request {
  std::string host, path;
  RequestView view() const { return {"GET", host, path, "", "https", 443, nullptr, nullptr}; }
};

// The three cases for n rules: 0 hit deep, 1 miss, 2 near miss.
Request make_request(uint32_t n, int which) {
  const uint32_t deep = (n * 9 / 10) / 10 * 10;  // a per-host prefix rule about 90% down
  switch (which) {
    case 0:
      return {service_host(deep) + ":443", "/api/v0/r" + std::to_string(deep) + "/items/42"};
    case 1:
      return {"unknown.example.org", "/nothing/here"};
    default:
      return {service_host(deep), "/api/v9/none"};
  }
}

// The baseline: every rule in priority order until one holds.
class LinearMatcher {
 public:
  explicit LinearMatcher(const std::vector<Rule>& rules) {
    for (const Rule& r : rules) {
      Entry e{&r, nullptr};
      if (r.path && r.path->kind == PathMatch::kRegex) {
        hs_compile_error_t* error = nullptr;
        hs_database_t* db = nullptr;
        if (hs_compile(r.path->values[0].c_str(), HS_FLAG_SINGLEMATCH, HS_MODE_BLOCK, nullptr, &db, &error) !=
            HS_SUCCESS) {
          hs_free_compile_error(error);
          continue;
        }
        hs_alloc_scratch(db, &scratch_);
        e.regex.reset(db);
      }
      entries_.push_back(std::move(e));
    }
  }
  ~LinearMatcher() { hs_free_scratch(scratch_); }
  LinearMatcher(const LinearMatcher&) = delete;
  LinearMatcher& operator=(const LinearMatcher&) = delete;

  uint32_t match(const RequestView& request) {
    const std::string_view host = routing_host(request.host);
    for (const Entry& e : entries_) {
      const Rule& r = *e.rule;
      if (r.host &&
          !any_of(r.host->values, [&](const std::string& v) { return glob_match_caseless(v, host); })) {
        continue;
      }
      if (r.path && !path_holds(e, request.path)) continue;
      return r.priority;
    }
    return 0;
  }

 private:
  struct DbFree {
    void operator()(hs_database_t* db) const { hs_free_database(db); }
  };
  struct Entry {
    const Rule* rule;
    std::unique_ptr<hs_database_t, DbFree> regex;
  };

  template <typename Holds>
  static bool any_of(const std::vector<std::string>& values, Holds holds) {
    for (const std::string& v : values) {
      if (holds(v)) return true;
    }
    return false;
  }

  bool path_holds(const Entry& e, std::string_view path) {
    switch (e.rule->path->kind) {
      case PathMatch::kExact:
        return any_of(e.rule->path->values, [&](const std::string& v) { return path == v; });
      case PathMatch::kPrefix:
        return any_of(e.rule->path->values, [&](const std::string& v) { return path.starts_with(v); });
      case PathMatch::kGlob:
        return any_of(e.rule->path->values,
                      [&](const std::string& v) { return glob_match_caseless(v, path); });
      case PathMatch::kRegex:
        break;
    }
    bool matched = false;
    hs_scan(
        e.regex.get(), path.data(), static_cast<unsigned>(path.size()), 0, scratch_,
        [](unsigned, unsigned long long, unsigned long long, unsigned, void* ctx) {
          *static_cast<bool*>(ctx) = true;
          return 1;  // one match decides
        },
        &matched);
    return matched;
  }

  std::vector<Entry> entries_;
  hs_scratch_t* scratch_ = nullptr;
};

// Built once per rule count: compiling 10,000 rules takes seconds, and Google Benchmark calls each
// function several times.
struct Fixture {
  std::vector<Rule> rules;
  std::unique_ptr<RouteTable> table;
  std::unique_ptr<RouteScratch> scratch;
  std::unique_ptr<LinearMatcher> linear;
  std::string error;

  explicit Fixture(uint32_t n) {
    for (uint32_t i = 0; i < n; ++i) rules.push_back(make_rule(i));
    auto compiled = RouteTable::compile(rules, fixed(404));
    if (!compiled) {
      error = compiled.error();
      return;
    }
    table = std::make_unique<RouteTable>(std::move(compiled).value());
    auto s = RouteScratch::for_table(*table);
    if (!s) {
      error = s.error();
      return;
    }
    scratch = std::make_unique<RouteScratch>(std::move(s).value());
    linear = std::make_unique<LinearMatcher>(rules);
    for (int which = 0; which < 3 && error.empty(); ++which) {
      const Request r = make_request(n, which);
      const uint32_t a = table->match(r.view(), *scratch).priority, b = linear->match(r.view());
      if (a != b || (which == 0) != (a != 0)) {
        error = "case " + std::to_string(which) + ": table " + std::to_string(a) + ", linear " +
                std::to_string(b);
      }
    }
  }

  static Fixture& get(uint32_t n) {
    static std::map<uint32_t, std::unique_ptr<Fixture>> fixtures;
    auto& f = fixtures[n];
    if (!f) f = std::make_unique<Fixture>(n);
    return *f;
  }
};

// Times `route(fixture, view)` for `which` case, the rule count being the benchmark's argument.
template <typename Route>
void run_case(benchmark::State& state, int which, Route route) {
  const auto n = static_cast<uint32_t>(state.range(0));
  Fixture& f = Fixture::get(n);
  if (!f.error.empty()) return state.SkipWithError(f.error.c_str());
  const Request request = make_request(n, which);
  const RequestView view = request.view();
  for (auto _ : state) benchmark::DoNotOptimize(route(f, view));
  state.SetItemsProcessed(state.iterations());
}

void BM_RouteTable(benchmark::State& state, int which) {
  run_case(state, which, [](Fixture& f, const RequestView& v) { return f.table->match(v, *f.scratch); });
}

void BM_Linear(benchmark::State& state, int which) {
  run_case(state, which, [](Fixture& f, const RequestView& v) { return f.linear->match(v); });
}

// route_<case>/<implementation>/<rules>: hyperscan is RouteTable, linear the baseline.
const bool kRegistered = [] {
  const char* cases[] = {"route_hit_deep", "route_miss", "route_near_miss"};
  for (int which = 0; which < 3; ++which) {
    const std::string group = cases[which];
    auto* table = benchmark::RegisterBenchmark((group + "/hyperscan").c_str(), BM_RouteTable, which);
    auto* linear = benchmark::RegisterBenchmark((group + "/linear").c_str(), BM_Linear, which);
    for (const int64_t n : {10, 100, 1000, 10000}) table->Arg(n), linear->Arg(n);
  }
  return true;
}();

}  // namespace

TOLLGATE_BENCHMARK_MAIN("0.1")
