// The HTTP parts of the dataplane config: pools with weights and algorithms, http listeners with rules,
// actions, HSTS and limits, and the errors each mistake gets (file, line, key).
#include <gtest/gtest.h>

#include <cstdio>
#include <variant>

#include "config/config.h"
#include "tests/unit/config/config_expect.h"

namespace tollgate::dataplane {
namespace {

const std::string kPorts = kLabPorts + R"(
[[pool]]
name = "api"
algorithm = "least_outstanding_requests"
targets = ["198.19.0.11:8080", { address = "198.19.0.12:8080", weight = 3 }]
response_timeout_ms = 2000

[[pool]]
name = "web"
targets = ["198.19.0.13:8080"]
)";

std::string with_listener(const std::string& listener) {
  return std::string(kPorts) +
         "\n[[listener]]\nname = \"http\"\nprotocol = \"http\"\naddress = \"198.18.0.1\"\n" + "port = 80\n" +
         listener;
}

TEST(HttpConfig, ReadsPoolsRulesAndActions) {
  const std::string text = with_listener(R"(default_action = { type = "forward", pool = "web" }
max_head_bytes = 8192

[[listener.rule]]
priority = 20
path = "/api/*"
action = { type = "forward", pools = [{ pool = "api", weight = 3 }, { pool = "web", weight = 1 }] }

[[listener.rule]]
priority = 10
host = ["old.example", "*.old.example"]
path = ["^/v[0-9]+/"]
path_match = "regex"
method = ["GET", "HEAD"]
headers = [{ name = "X-Env", values = ["prod*"] }]
action = { type = "redirect", status = 308, protocol = "https", port = 443 }

[[listener.rule]]
priority = 30
path = "/health"
path_match = "exact"
action = { type = "fixed-response", status = 200, content_type = "text/plain", body = "ok\n" }
)");
  const ConfigLoad load = load_config_string(text, "test.toml");
  ASSERT_TRUE(load.config) << load.errors[0].to_string();
  const DataplaneConfig& c = *load.config;
  ASSERT_EQ(c.pools.size(), 2u);
  EXPECT_EQ(c.pools[0].algorithm, balancing::Algorithm::kLeastOutstanding);
  EXPECT_EQ(c.pools[0].targets[1].weight, 3u);
  EXPECT_EQ(c.pools[0].response_timeout_ms, 2000u);
  const ListenerConfig& l = c.listeners.at(0);
  EXPECT_EQ(l.protocol, ListenerProtocol::kHttp);
  EXPECT_EQ(l.max_head_bytes, 8192u);
  ASSERT_EQ(l.rules.size(), 3u);
  const auto& forward = std::get<routing::ForwardAction>(l.rules[0].action.what);
  ASSERT_EQ(forward.pools.size(), 2u);
  EXPECT_EQ(forward.pools[0].pool, 0u);
  EXPECT_EQ(forward.pools[0].weight, 3u);
  EXPECT_EQ(forward.pools[1].pool, 1u);
  EXPECT_EQ(l.rules[1].path->kind, routing::PathMatch::kRegex);
  EXPECT_EQ(l.rules[1].host->values.size(), 2u);
  EXPECT_EQ(l.rules[1].headers.at(0).name, "X-Env");
  const auto& redirect = std::get<routing::RedirectAction>(l.rules[1].action.what);
  EXPECT_EQ(redirect.status, 308);
  EXPECT_EQ(redirect.port, "443");
  EXPECT_EQ(redirect.host, "#{host}");
  const auto& fixed = std::get<routing::FixedResponseAction>(l.rules[2].action.what);
  EXPECT_EQ(fixed.body, "ok\n");
  ASSERT_TRUE(l.default_action);
  EXPECT_EQ(std::get<routing::ForwardAction>(l.default_action->what).pools.at(0).pool, 1u);
}

TEST(HttpConfig, PoolIsShorthandForTheDefaultAction) {
  const ConfigLoad load = load_config_string(with_listener("pool = \"api\"\n"), "test.toml");
  ASSERT_TRUE(load.config) << load.errors[0].to_string();
  const auto& forward = std::get<routing::ForwardAction>(load.config->listeners[0].default_action->what);
  EXPECT_EQ(forward.pools.at(0).pool, 0u);
}

TEST(HttpConfig, HstsOnlyOnHttpsAndRendered) {
  const std::string https =
      std::string(kPorts) +
      "\n[[listener]]\nname = \"https\"\nprotocol = \"https\"\naddress = \"198.18.0.1\"\n"
      "port = 443\npool = \"web\"\ncertificates = [{ chain = \"c.pem\", key = \"k.pem\" }]\n"
      "hsts = { max_age = 31536000, include_subdomains = true, preload = true }\n";
  const ConfigLoad load = load_config_string(https, "test.toml", FileChecks::kSkip);
  ASSERT_TRUE(load.config) << load.errors[0].to_string();
  EXPECT_EQ(load.config->listeners[0].hsts, "max-age=31536000; includeSubDomains; preload");
  expect_error(with_listener("pool = \"web\"\nhsts = { max_age = 60 }\n"), "listener[0].hsts", 27,
               "only an \"https\" listener");
}

TEST(HttpConfig, MistakesNameTheirKey) {
  // Lines: [[listener]] is line 21, its keys start at 26 (after the ports and pools above).
  expect_error(with_listener(""), "listener[0].default_action", 21, "needs a default action");
  expect_error(with_listener("default_action = { type = \"forward\", pool = \"nope\" }\n"),
               "listener[0].default_action.pool", 26, "no pool named 'nope'");
  expect_error(with_listener("default_action = { type = \"teleport\" }\n"), "listener[0].default_action.type",
               26, "unknown action type");
  const std::string dup = with_listener(R"(pool = "web"
[[listener.rule]]
priority = 5
path = "/a"
action = { type = "forward", pool = "api" }
[[listener.rule]]
priority = 5
path = "/b"
action = { type = "forward", pool = "api" }
)");
  expect_error(dup, "listener[0].rule[1].priority", 32, "priority 5 is used twice");
  const std::string bad_regex = with_listener(R"(pool = "web"
[[listener.rule]]
priority = 5
path = "/a(["
path_match = "regex"
action = { type = "forward", pool = "api" }
)");
  expect_error(bad_regex, "listener[0].rule", 27, "/a([");
  const std::string no_condition = with_listener(R"(pool = "web"
[[listener.rule]]
priority = 5
action = { type = "fixed-response", status = 204 }
)");
  expect_error(no_condition, "listener[0].rule[0]", 27, "at least one condition");
  const std::string bad_redirect = with_listener(R"(pool = "web"
[[listener.rule]]
priority = 5
path = "/x"
action = { type = "redirect", status = 305 }
)");
  expect_error(bad_redirect, "listener[0].rule[0].action.status", 30, "301, 302, 303, 307, 308");
  expect_error(std::string(kPorts) +
                   "\n[[listener]]\nname = \"t\"\nprotocol = \"tcp\"\naddress = \"198.18.0.1\"\n"
                   "port = 7000\npool = \"web\"\n[[listener.rule]]\npriority = 1\npath = \"/\"\n",
               "listener[0].rule", 27, "only an \"http\" or \"https\" listener");
}

TEST(HttpConfig, NormalizePathAndXff) {
  const ConfigLoad defaults = load_config_string(with_listener("pool = \"web\"\n"), "test.toml");
  ASSERT_TRUE(defaults.config) << defaults.errors[0].to_string();
  EXPECT_TRUE(defaults.config->listeners[0].normalize_path);
  EXPECT_EQ(defaults.config->listeners[0].xff, http::XffMode::kAppend);
  for (const auto& [text, mode] :
       {std::pair{"preserve", http::XffMode::kPreserve}, std::pair{"remove", http::XffMode::kRemove},
        std::pair{"append", http::XffMode::kAppend}}) {
    const ConfigLoad load = load_config_string(
        with_listener(std::string("pool = \"web\"\nnormalize_path = false\nxff = \"") + text + "\"\n"),
        "test.toml");
    ASSERT_TRUE(load.config) << load.errors[0].to_string();
    EXPECT_FALSE(load.config->listeners[0].normalize_path);
    EXPECT_EQ(load.config->listeners[0].xff, mode);
  }
  expect_error(with_listener("pool = \"web\"\nxff = \"replace\"\n"), "listener[0].xff", 27,
               "unknown X-Forwarded-For mode 'replace'");
  expect_error(with_listener("pool = \"web\"\nxff = true\n"), "listener[0].xff", 27, "must be a string");
  expect_error(with_listener("pool = \"web\"\nnormalize_path = \"yes\"\n"), "listener[0].normalize_path", 27,
               "must be true or false");
  for (const char* key : {"normalize_path = true", "xff = \"remove\""}) {
    expect_error(std::string(kPorts) +
                     "\n[[listener]]\nname = \"t\"\nprotocol = \"tcp\"\naddress = \"198.18.0.1\"\n"
                     "port = 7000\npool = \"web\"\n" +
                     key + "\n",
                 std::string("listener[0].") + std::string(key).substr(0, std::string(key).find(' ')), 27,
                 "only an \"http\" or \"https\" listener");
  }
}

// A pool that speaks HTTPS to its targets: `tls = { ... }` after the listener's default pool (line 26).
std::string with_tls_pool(const std::string& tls) {
  return with_listener(
      "pool = \"web\"\n[[pool]]\nname = \"secure\"\ntargets = [\"198.19.0.11:8443\"]\ntls = " + tls + "\n");
}

TEST(HttpConfig, PoolTls) {
  ConfigLoad load = load_config_string(
      with_tls_pool(
          R"({ ca = "certs/ca.pem", server_name = "backend.example", security_policy = "tls13-only" })"),
      "/etc/tollgate/test.toml", FileChecks::kSkip);
  ASSERT_TRUE(load.config) << load.errors[0].to_string();
  const PoolConfig::Tls& tls = load.config->pools.at(2).tls;
  EXPECT_TRUE(tls.enabled);
  EXPECT_TRUE(tls.verify);
  EXPECT_EQ(tls.ca, "/etc/tollgate/certs/ca.pem");  // relative to the config file
  EXPECT_EQ(tls.server_name, "backend.example");
  EXPECT_EQ(tls.policy, tls::SecurityPolicy::kTls13Only);
  EXPECT_FALSE(load.config->pools.at(0).tls.enabled);
  load = load_config_string(with_tls_pool("{ verify = false }"), "test.toml");
  ASSERT_TRUE(load.config) << load.errors[0].to_string();
  EXPECT_FALSE(load.config->pools.at(2).tls.verify);
}

TEST(HttpConfig, PoolTlsMistakes) {
  expect_error(with_tls_pool("{ server_name = \"b.example\" }"), "pool[2].tls.ca", 30, "is required");
  expect_error(with_tls_pool("{ ca = \"/nonexistent/ca.pem\", server_name = \"b.example\" }"),
               "pool[2].tls.ca", 30, "cannot read '/nonexistent/ca.pem'");
  expect_error(with_tls_pool("{ ca = \"c.pem\", server_name = \"b\", policy = \"x\" }"), "pool[2].tls.policy",
               30, "unknown key");
  expect_error(with_tls_pool("{ ca = \"c.pem\", server_name = \"b\", security_policy = \"old\" }"),
               "pool[2].tls.security_policy", 30, "unknown policy 'old'");
  expect_error(with_tls_pool("true"), "pool[2].tls", 30, "must be a table");
  // A readable file without a certificate: the client context is built at config time and says why.
  const std::string empty_ca = ::testing::TempDir() + "/tollgate-empty-ca.pem";
  std::FILE* f = std::fopen(empty_ca.c_str(), "w");
  ASSERT_NE(f, nullptr);
  std::fputs("not a certificate\n", f);
  std::fclose(f);
  expect_error(with_tls_pool("{ ca = \"" + empty_ca + "\", server_name = \"b.example\" }"), "pool[2].tls", 30,
               empty_ca);
  std::remove(empty_ca.c_str());
  // The L4 proxies cannot speak TLS to targets.
  expect_error(
      std::string(kPorts) +
          "\n[[listener]]\nname = \"t\"\nprotocol = \"tcp\"\naddress = \"198.18.0.1\"\n"
          "port = 7000\npool = \"secure\"\n[[pool]]\nname = \"secure\"\ntargets = [\"198.19.0.11:8443\"]\n"
          "tls = { verify = false }\n",
      "listener[0].pool", 26, "speaks TLS to its targets");
}

TEST(DataplaneConfigHttp, ClientLimits) {
  const ConfigLoad load = load_config_string(
      with_listener(
          "pool = \"web\"\nclient_limits = { connections = 10, requests_per_second = 5, burst = 20, "
          "exempt = [\"198.18.0.0/30\"] }\n"),
      "test.toml");
  ASSERT_TRUE(load.config) << load.errors[0].to_string();
  const net::ClientLimits& c = load.config->listeners[0].client_limits;
  EXPECT_EQ(c.max_connections, 10u);
  EXPECT_EQ(c.connections_per_second, 0u);
  EXPECT_EQ(c.requests_per_second, 5u);
  EXPECT_EQ(c.burst, 20u);
  ASSERT_TRUE(c.exempt);
  EXPECT_TRUE(c.exempt->allows(*net::Ipv4Address::parse("198.18.0.2")));
  EXPECT_FALSE(c.exempt->allows(*net::Ipv4Address::parse("198.18.0.4")));
  EXPECT_FALSE(load_config_string(with_listener("pool = \"web\"\n"), "test.toml")
                   .config->listeners[0]
                   .client_limits.enabled());

  expect_error(with_listener("pool = \"web\"\nclient_limits = { requests_per_second = 0 }\n"),
               "listener[0].client_limits.requests_per_second", 27, "");
  expect_error(with_listener("pool = \"web\"\nclient_limits = { rps = 5 }\n"),
               "listener[0].client_limits.rps", 27, "");
  expect_error(with_listener("pool = \"web\"\nclient_limits = { burst = 5 }\n"), "listener[0].client_limits",
               27, "sets no limit");
  expect_error(
      with_listener("pool = \"web\"\nclient_limits = { connections = 5, exempt = [\"198.18.0.1/24\"] }\n"),
      "listener[0].client_limits.exempt[0]", 27, "host bits set");
  expect_error(with_listener("pool = \"web\"\nclient_limits = 5\n"), "listener[0].client_limits", 27,
               "must be a table");
  // tcp/tls listeners take connection limits, not request limits.
  const std::string tcp =
      std::string(kPorts) +
      "\n[[listener]]\nname = \"t\"\nprotocol = \"tcp\"\naddress = \"198.18.0.1\"\nport = 7000\n"
      "pool = \"web\"\n";
  const ConfigLoad l4 = load_config_string(tcp + "client_limits = { connections = 4 }\n", "test.toml");
  ASSERT_TRUE(l4.config) << l4.errors[0].to_string();
  EXPECT_EQ(l4.config->listeners[0].client_limits.max_connections, 4u);
  expect_error(tcp + "client_limits = { connections = 4, requests_per_second = 5 }\n",
               "listener[0].client_limits.requests_per_second", 27, "sees requests");
}

}  // namespace
}  // namespace tollgate::dataplane
