// A pool's health_check table: what it sets, its AWS-like defaults, and the errors each mistake gets
// (file, line, key), bounds included (health::validate_settings).
#include <gtest/gtest.h>

#include "config/config.h"
#include "tests/unit/config/config_expect.h"

namespace tollgate::dataplane {
namespace {

const std::string kBase = kLabPorts + R"(
[[listener]]
name = "http"
protocol = "http"
address = "198.18.0.1"
port = 80
pool = "web"

[[pool]]
name = "web"
targets = ["198.19.0.13:8080"]
)";

// The health_check value lands on line 21.
std::string with_check(const std::string& check) {
  return std::string(kBase) + "health_check = " + check + "\n";
}

TEST(HealthConfig, ReadsEveryKey) {
  const ConfigLoad load = load_config_string(
      with_check(
          R"({ protocol = "https", port = 8443, path = "/healthz", interval_ms = 5000, timeout_ms = 2000, )"
          R"(healthy_threshold = 3, unhealthy_threshold = 4, success_codes = "200-399" })"),
      "test.toml");
  ASSERT_TRUE(load.config) << load.errors[0].to_string();
  const std::optional<health::HealthCheckSettings>& h = load.config->pools.at(0).health_check;
  ASSERT_TRUE(h);
  EXPECT_EQ(h->protocol, health::HealthProtocol::kHttps);
  EXPECT_EQ(h->port, 8443);
  EXPECT_EQ(h->path, "/healthz");
  EXPECT_EQ(h->interval_ms, 5000u);
  EXPECT_EQ(h->timeout_ms, 2000u);
  EXPECT_EQ(h->healthy_threshold, 3u);
  EXPECT_EQ(h->unhealthy_threshold, 4u);
  EXPECT_EQ(h->success_codes.to_string(), "200-399");
}

TEST(HealthConfig, AbsentMeansNotProbedAndEmptyMeansDefaults) {
  const ConfigLoad none = load_config_string(kBase, "test.toml");
  ASSERT_TRUE(none.config) << none.errors[0].to_string();
  EXPECT_FALSE(none.config->pools.at(0).health_check);

  const ConfigLoad defaults = load_config_string(with_check("{}"), "test.toml");
  ASSERT_TRUE(defaults.config) << defaults.errors[0].to_string();
  const health::HealthCheckSettings& h = defaults.config->pools.at(0).health_check.value();
  EXPECT_EQ(h.protocol, health::HealthProtocol::kHttp);
  EXPECT_EQ(h.port, 0);  // the traffic port
  EXPECT_EQ(h.path, "/");
  EXPECT_EQ(h.interval_ms, 30000u);
  EXPECT_EQ(h.timeout_ms, 5000u);
  EXPECT_EQ(h.healthy_threshold, 5u);
  EXPECT_EQ(h.unhealthy_threshold, 2u);
  EXPECT_EQ(h.success_codes.to_string(), "200");
}

TEST(HealthConfig, MistakesNameTheirKey) {
  expect_error(with_check("\"HTTP\""), "pool[0].health_check", 21, "must be a table");
  expect_error(with_check("{ protocol = \"UDP\" }"), "pool[0].health_check.protocol", 21,
               "unknown protocol 'UDP'");
  expect_error(with_check("{ port = 70000 }"), "pool[0].health_check.port", 21, "out of range");
  expect_error(with_check("{ path = \"health\" }"), "pool[0].health_check.path", 21,
               "does not start with '/'");
  expect_error(with_check("{ path = \"/a b\" }"), "pool[0].health_check.path", 21, "holds a space");
  expect_error(with_check("{ interval_ms = 500, timeout_ms = 200 }"), "pool[0].health_check.interval_ms", 21,
               "outside 1000-300000");
  expect_error(with_check("{ interval_ms = 2000, timeout_ms = 2000 }"), "pool[0].health_check.timeout_ms", 21,
               "not below interval_ms");
  expect_error(with_check("{ healthy_threshold = 1 }"), "pool[0].health_check.healthy_threshold", 21,
               "outside 2-10");
  expect_error(with_check("{ unhealthy_threshold = 11 }"), "pool[0].health_check.unhealthy_threshold", 21,
               "outside 2-10");
  expect_error(with_check("{ success_codes = \"200-700\" }"), "pool[0].health_check.success_codes", 21,
               "700");
  expect_error(with_check("{ path = \"/" + std::string(92, 'a') + "\" }"), "pool[0].health_check.path", 21,
               "longer than 92 bytes");
  expect_error(with_check("{ interval = 5000 }"), "pool[0].health_check.interval", 21, "unknown key");
  expect_error(with_check("{ interval_ms = \"5s\" }"), "pool[0].health_check.interval_ms", 21,
               "must be an integer");
}

TEST(HealthConfig, TcpIgnoresPathAndCodes) {
  const ConfigLoad load = load_config_string(with_check("{ protocol = \"TCP\", path = \"\" }"), "test.toml");
  ASSERT_TRUE(load.config) << load.errors[0].to_string();
  EXPECT_EQ(load.config->pools.at(0).health_check->protocol, health::HealthProtocol::kTcp);
}

}  // namespace
}  // namespace tollgate::dataplane
