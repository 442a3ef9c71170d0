// The HTTP parts of the dataplane config: pool settings for HTTP targets, and an http/https listener's
// rules, default action, HSTS and limits. Rules are compiled once here as well, so a pattern Hyperscan
// rejects is a config error with a file and line rather than a dataplane that refuses to start.
#include "config/config_http.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <initializer_list>
#include <set>
#include <utility>

#include "engine/routing/route_table.h"
#include "engine/tls/client_context.h"

namespace tollgate::dataplane {
namespace {

// A string or an array of strings: `host = "a.example"` or `host = ["a.example", "*.b.example"]`.
std::vector<std::string> read_strings(TomlReader& r, const toml::table& t, std::string_view name,
                                      const std::string& key) {
  std::vector<std::string> out;
  const toml::node* n = t.get(name);
  if (!n) return out;
  if (auto s = n->value<std::string>(); s && n->is_string()) {
    out.push_back(*s);
  } else if (const toml::array* a = n->as_array()) {
    for (size_t i = 0; i < a->size(); ++i) {
      const toml::node* item = a->get(i);
      if (!item->is_string()) {
        r.error(item, fmt::format("{}[{}]", key, i), "must be a string");
        continue;
      }
      out.push_back(*item->value<std::string>());
    }
  } else {
    r.error(n, key, "must be a string or an array of strings");
  }
  if (out.empty()) r.error(n, key, "must not be empty");
  return out;
}

// A string naming one of a fixed set of choices: `out` is set to the named one; anything else is an error
// "unknown <what> '<value>'" with `hint`.
template <typename T>
void read_choice(TomlReader& r, const toml::table& t, std::string_view name, const std::string& key,
                 std::initializer_list<std::pair<std::string_view, T>> choices, std::string_view what,
                 std::string_view hint, T& out) {
  const auto value = r.read_string(t, name, key, false);
  if (!value) return;
  for (const auto& [text, choice] : choices) {
    if (*value == text) {
      out = choice;
      return;
    }
  }
  r.error(t.get(name), key, fmt::format("unknown {} '{}'", what, *value), std::string(hint));
}

std::optional<uint32_t> pool_index(TomlReader& r, const toml::node* at, const std::string& key,
                                   const std::string& name, const std::vector<PoolConfig>& pools) {
  for (size_t i = 0; i < pools.size(); ++i) {
    if (pools[i].name == name) return static_cast<uint32_t>(i);
  }
  r.error(at, key, fmt::format("no pool named '{}'", name), "define it with [[pool]]");
  return std::nullopt;
}

std::optional<routing::Action> read_forward(TomlReader& r, const toml::table& t, const std::string& p,
                                            const std::vector<PoolConfig>& pools) {
  routing::ForwardAction forward;
  const toml::node* one = t.get("pool");
  const toml::node* many = t.get("pools");
  if ((one != nullptr) == (many != nullptr)) {
    r.error(&t, p, "a forward action names exactly one of pool and pools",
            "pool = \"web\", or pools = [{ pool = \"a\", weight = 3 }, { pool = \"b\", weight = 1 }]");
    return std::nullopt;
  }
  if (one) {
    auto name = r.read_string(t, "pool", p + "pool", true);
    if (!name) return std::nullopt;
    auto index = pool_index(r, one, p + "pool", *name, pools);
    if (!index) return std::nullopt;
    forward.pools.push_back({*index, 1});
    return routing::Action{forward};
  }
  const toml::array* list = many->as_array();
  if (!list || list->empty()) {
    r.error(many, p + "pools", "must be a non-empty array of { pool = ..., weight = ... }");
    return std::nullopt;
  }
  uint64_t total = 0;
  for (size_t i = 0; i < list->size(); ++i) {
    const std::string wp = fmt::format("{}pools[{}].", p, i);
    const toml::table* w = list->get(i)->as_table();
    if (!w) {
      r.error(list->get(i), wp.substr(0, wp.size() - 1), "must be a table { pool = ..., weight = ... }");
      continue;
    }
    r.check_keys(*w, wp, {"pool", "weight"});
    routing::ForwardTarget target;
    r.read_uint(*w, "weight", wp, target.weight, 0, 999);
    auto name = r.read_string(*w, "pool", wp + "pool", true);
    if (!name) continue;
    auto index = pool_index(r, w->get("pool"), wp + "pool", *name, pools);
    if (!index) continue;
    target.pool = *index;
    total += target.weight;
    forward.pools.push_back(target);
  }
  if (total == 0 && !forward.pools.empty()) r.error(many, p + "pools", "at least one weight must be above 0");
  return routing::Action{forward};
}

std::optional<routing::Action> read_redirect(TomlReader& r, const toml::table& t, const std::string& p) {
  routing::RedirectAction redirect;
  r.read_uint(t, "status", p, redirect.status, 300, 399);
  const uint16_t st = redirect.status;
  if (const toml::node* s = t.get("status");
      s && st != 301 && st != 302 && st != 303 && st != 307 && st != 308) {
    r.error(s, p + "status", "a redirect status is one of 301, 302, 303, 307, 308");
  }
  for (auto [name, field] : {std::pair{"protocol", &redirect.protocol}, std::pair{"host", &redirect.host},
                             std::pair{"port", &redirect.port}, std::pair{"path", &redirect.path},
                             std::pair{"query", &redirect.query}}) {
    // Ports are commonly written as numbers: accept both.
    const toml::node* n = t.get(name);
    if (n && n->is_integer()) {
      *field = std::to_string(*n->value<int64_t>());
    } else if (auto v = r.read_string(t, name, p + name, false)) {
      *field = *v;
    }
  }
  if (redirect.protocol != "#{protocol}" && redirect.protocol != "http" && redirect.protocol != "https") {
    r.error(t.get("protocol"), p + "protocol", fmt::format("'{}' is not a protocol", redirect.protocol),
            "use \"http\", \"https\" or \"#{protocol}\"");
  }
  return routing::Action{redirect};
}

std::optional<routing::Action> read_fixed(TomlReader& r, const toml::table& t, const std::string& p) {
  routing::FixedResponseAction fixed;
  r.read_uint(t, "status", p, fixed.status, 200, 599);
  fixed.content_type = r.read_string(t, "content_type", p + "content_type", false).value_or("text/plain");
  fixed.body = r.read_string(t, "body", p + "body", false).value_or("");
  if (fixed.body.size() > 1024) {
    r.error(t.get("body"), p + "body", "a fixed response body is at most 1024 bytes");
  }
  for (char c : fixed.content_type) {
    if (c < 0x20 || c == 0x7f) {
      r.error(t.get("content_type"), p + "content_type", "control characters are not allowed");
      break;
    }
  }
  return routing::Action{fixed};
}

// action = { type = "forward" | "redirect" | "fixed-response", ... }
std::optional<routing::Action> read_action(TomlReader& r, const toml::table& parent, std::string_view name,
                                           const std::string& key, const std::vector<PoolConfig>& pools) {
  const toml::node* n = parent.get(name);
  if (!n) return std::nullopt;
  const toml::table* t = n->as_table();
  if (!t) {
    r.error(n, key, "must be a table", "e.g. { type = \"forward\", pool = \"web\" }");
    return std::nullopt;
  }
  const std::string p = key + ".";
  auto type = r.read_string(*t, "type", p + "type", true);
  if (!type) return std::nullopt;
  if (*type == "forward") {
    r.check_keys(*t, p, {"type", "pool", "pools"});
    return read_forward(r, *t, p, pools);
  }
  if (*type == "redirect") {
    r.check_keys(*t, p, {"type", "status", "protocol", "host", "port", "path", "query"});
    return read_redirect(r, *t, p);
  }
  if (*type == "fixed-response") {
    r.check_keys(*t, p, {"type", "status", "content_type", "body"});
    return read_fixed(r, *t, p);
  }
  r.error(t->get("type"), p + "type", fmt::format("unknown action type '{}'", *type),
          "use \"forward\", \"redirect\" or \"fixed-response\"");
  return std::nullopt;
}

void read_rule(TomlReader& r, const toml::table& t, const std::string& p,
               const std::vector<PoolConfig>& pools, std::set<uint32_t>& priorities, ListenerConfig& l) {
  r.check_keys(t, p, {"priority", "host", "path", "path_match", "method", "headers", "action"});
  routing::Rule rule;
  if (!t.get("priority")) r.error(&t, p + "priority", "is required", "1 and up; the lowest matching wins");
  r.read_uint(t, "priority", p, rule.priority, 1, 50000);
  if (rule.priority && !priorities.insert(rule.priority).second) {
    r.error(t.get("priority"), p + "priority", fmt::format("priority {} is used twice", rule.priority));
  }
  if (t.get("host")) rule.host = routing::HostCondition{read_strings(r, t, "host", p + "host")};
  if (t.get("path")) {
    routing::PathCondition path;
    path.values = read_strings(r, t, "path", p + "path");
    read_choice(r, t, "path_match", p + "path_match",
                {{"glob", routing::PathMatch::kGlob},
                 {"exact", routing::PathMatch::kExact},
                 {"prefix", routing::PathMatch::kPrefix},
                 {"regex", routing::PathMatch::kRegex}},
                "path match", "use glob (the default), exact, prefix or regex", path.kind);
    rule.path = std::move(path);
  } else if (t.get("path_match")) {
    r.error(t.get("path_match"), p + "path_match", "path_match needs a path");
  }
  if (t.get("method")) rule.method = routing::MethodCondition{read_strings(r, t, "method", p + "method")};
  if (const toml::node* h = t.get("headers")) {
    const toml::array* list = h->as_array();
    if (!list) r.error(h, p + "headers", "must be an array of { name = ..., values = [...] }");
    for (size_t i = 0; list && i < list->size(); ++i) {
      const std::string hp = fmt::format("{}headers[{}].", p, i);
      const toml::table* ht = list->get(i)->as_table();
      if (!ht) {
        r.error(list->get(i), hp.substr(0, hp.size() - 1), "must be a table { name = ..., values = [...] }");
        continue;
      }
      r.check_keys(*ht, hp, {"name", "values"});
      routing::HeaderCondition cond;
      cond.name = r.read_string(*ht, "name", hp + "name", true).value_or("");
      if (!ht->get("values")) r.error(ht, hp + "values", "is required");
      cond.values = read_strings(r, *ht, "values", hp + "values");
      rule.headers.push_back(std::move(cond));
    }
  }
  if (!rule.host && !rule.path && !rule.method && rule.headers.empty()) {
    r.error(&t, p.substr(0, p.size() - 1), "a rule needs at least one condition",
            "host, path, method or headers; requests no rule takes get default_action");
  }
  if (!t.get("action")) r.error(&t, p + "action", "is required");
  if (auto action = read_action(r, t, "action", p + "action", pools)) rule.action = std::move(*action);
  l.rules.push_back(std::move(rule));
}

}  // namespace

void read_pool_http(TomlReader& r, const toml::table& t, const std::string& p, PoolConfig& pool) {
  read_choice(r, t, "algorithm", p + "algorithm",
              {{"round_robin", balancing::Algorithm::kRoundRobin},
               {"least_outstanding_requests", balancing::Algorithm::kLeastOutstanding},
               {"weighted_random", balancing::Algorithm::kWeightedRandom}},
              "algorithm", "use round_robin, least_outstanding_requests or weighted_random", pool.algorithm);
  r.read_uint(t, "connect_timeout_ms", p, pool.connect_timeout_ms, 10, 600000);
  r.read_uint(t, "response_timeout_ms", p, pool.response_timeout_ms, 10, 3600000);
  r.read_uint(t, "idle_timeout_ms", p, pool.idle_timeout_ms, 10, 3600000);
  r.read_uint(t, "max_idle_per_target", p, pool.max_idle_per_target, 0, 100000);
  read_pool_tls(r, t, p, pool);
}

// tls = { ca = "FILE", server_name = "NAME", verify = true, security_policy = "default" }
void read_pool_tls(TomlReader& r, const toml::table& t, const std::string& p, PoolConfig& pool) {
  const toml::node* n = t.get("tls");
  if (!n) return;
  const std::string tp = p + "tls.";
  const toml::table* tt = n->as_table();
  if (!tt) {
    r.error(n, p + "tls", "must be a table",
            "tls = { ca = \"certs/ca.pem\", server_name = \"backend.example.com\" }");
    return;
  }
  r.check_keys(*tt, tp, {"ca", "server_name", "verify", "security_policy"});
  PoolConfig::Tls& tls = pool.tls;
  tls.enabled = true;
  r.read_bool(*tt, "verify", tp, tls.verify);
  tls.ca = r.resolve(r.read_string(*tt, "ca", tp + "ca", tls.verify).value_or(""));
  tls.server_name = r.read_string(*tt, "server_name", tp + "server_name", tls.verify).value_or("");
  if (auto policy = r.read_string(*tt, "security_policy", tp + "security_policy", false)) {
    if (auto parsed = tls::parse_security_policy(*policy)) {
      tls.policy = *parsed;
    } else {
      r.error(tt->get("security_policy"), tp + "security_policy", fmt::format("unknown policy '{}'", *policy),
              "use \"default\" or \"tls13-only\"");
    }
  }
  const bool incomplete = tls.verify && (tls.ca.empty() || tls.server_name.empty());
  if (r.files() != FileChecks::kCheck || incomplete) return;
  if (!tls.ca.empty() && ::access(tls.ca.c_str(), R_OK) != 0) {
    r.error(tt->get("ca"), tp + "ca", fmt::format("cannot read '{}': {}", tls.ca, std::strerror(errno)));
    return;
  }
  // Built once here as the workers will build it, so a CA bundle without certificates or a server name
  // that is neither a host name nor an address is an error with a line, not a dataplane that won't start.
  std::string why;
  if (!tls::ClientContext::create(client_settings(tls), why)) r.error(n, p + "tls", why);
}

tls::ClientSettings client_settings(const PoolConfig::Tls& tls) {
  tls::ClientSettings s;
  s.ca_file = tls.ca;
  s.server_name = tls.server_name;
  s.verify = tls.verify;
  s.policy = tls.policy;
  return s;
}

void read_http_listener(TomlReader& r, const toml::table& t, const std::string& p,
                        const std::vector<PoolConfig>& pools, ListenerConfig& l) {
  const bool http = l.protocol == ListenerProtocol::kHttp || l.protocol == ListenerProtocol::kHttps;
  if (!http) {
    for (const char* key : {"rule", "default_action", "hsts", "header_timeout_ms", "max_head_bytes",
                            "max_body_bytes", "normalize_path", "xff"}) {
      if (const toml::node* n = t.get(key)) {
        r.error(n, p + key, "only an \"http\" or \"https\" listener takes this");
      }
    }
    // tcp/tls: the session idle timeout (no byte either way), an NLB's by default.
    l.idle_timeout_ms = kL4IdleTimeoutMs;
    r.read_uint(t, "idle_timeout_ms", p, l.idle_timeout_ms, 1000, 86400000);
    return;
  }
  r.read_uint(t, "header_timeout_ms", p, l.header_timeout_ms, 100, 600000);
  r.read_uint(t, "idle_timeout_ms", p, l.idle_timeout_ms, 100, 3600000);
  r.read_uint(t, "max_head_bytes", p, l.max_head_bytes, 1024, 65536);
  r.read_uint(t, "max_body_bytes", p, l.max_body_bytes, 0, uint64_t{1} << 40);
  r.read_bool(t, "normalize_path", p, l.normalize_path);
  read_choice(r, t, "xff", p + "xff",
              {{"append", http::XffMode::kAppend},
               {"preserve", http::XffMode::kPreserve},
               {"remove", http::XffMode::kRemove}},
              "X-Forwarded-For mode", "use \"append\" (the default), \"preserve\" or \"remove\"", l.xff);
  if (const toml::node* h = t.get("hsts")) {
    const toml::table* ht = h->as_table();
    if (l.protocol != ListenerProtocol::kHttps) {
      r.error(h, p + "hsts", "only an \"https\" listener sends HSTS");
    } else if (!ht) {
      r.error(h, p + "hsts", "must be a table", "hsts = { max_age = 31536000, include_subdomains = true }");
    } else {
      const std::string hp = p + "hsts.";
      r.check_keys(*ht, hp, {"max_age", "include_subdomains", "preload"});
      uint32_t max_age = 31536000;
      bool subdomains = false, preload = false;
      r.read_uint(*ht, "max_age", hp, max_age, 0, 2u * 31536000);
      r.read_bool(*ht, "include_subdomains", hp, subdomains);
      r.read_bool(*ht, "preload", hp, preload);
      if (preload && (!subdomains || max_age < 31536000)) {
        r.error(ht->get("preload"), hp + "preload",
                "browsers' preload lists require include_subdomains and max_age of at least 31536000");
      }
      l.hsts = fmt::format("max-age={}{}{}", max_age, subdomains ? "; includeSubDomains" : "",
                           preload ? "; preload" : "");
    }
  }
  // `pool = "web"` is shorthand for a default action forwarding to it.
  if (t.get("default_action")) {
    if (!l.pool.empty()) r.error(t.get("pool"), p + "pool", "give either pool or default_action, not both");
    l.default_action = read_action(r, t, "default_action", p + "default_action", pools);
  } else if (!l.pool.empty()) {
    for (size_t i = 0; i < pools.size(); ++i) {
      if (pools[i].name == l.pool)
        l.default_action = routing::Action{routing::ForwardAction{{{uint32_t(i), 1}}}};
    }
  } else {
    r.error(&t, p + "default_action", "an http listener needs a default action",
            "default_action = { type = \"forward\", pool = \"web\" }, or pool = \"web\"");
  }
  if (const toml::node* n = t.get("rule")) {
    const toml::array* list = n->as_array();
    if (!list || !list->is_array_of_tables()) {
      r.error(n, p + "rule", "must be an array of tables", "write each rule as [[listener.rule]]");
      return;
    }
    std::set<uint32_t> priorities;
    for (size_t i = 0; i < list->size(); ++i) {
      read_rule(r, *list->get(i)->as_table(), fmt::format("{}rule[{}].", p, i), pools, priorities, l);
    }
  }
  if (!l.default_action || r.has_errors()) return;
  auto table = routing::RouteTable::compile(l.rules, *l.default_action);
  if (!table) r.error(t.get("rule") ? t.get("rule") : &t, p + "rule", table.error());
}

}  // namespace tollgate::dataplane
