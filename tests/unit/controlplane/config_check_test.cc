// `tollgatectl config check` over the broken configs in tests/configs: the exact lines an operator sees.
#include "controlplane/ctl/config_check.h"

#include <gtest/gtest.h>

#include <string>

namespace tollgate::controlplane {
namespace {

std::string config(const char* name) {
  return std::string(TOLLGATE_SOURCE_ROOT) + "/tests/configs/" + name;
}

// `err` holds `line` as a whole line.
::testing::AssertionResult has_line(const std::string& err, const std::string& line) {
  if (err.rfind(line + "\n", 0) == 0 || err.find("\n" + line + "\n") != std::string::npos) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "no line '" << line << "' in:\n" << err;
}

TEST(ConfigCheck, GoodFileSaysOk) {
  const CheckOutput o = check_config(config("tcp-lab.toml"));
  EXPECT_EQ(o.exit_code, 0) << o.err;
  EXPECT_EQ(o.out, config("tcp-lab.toml") + ": ok\n");
  EXPECT_EQ(o.err, "");
}

TEST(ConfigCheck, EachBrokenConfigNamesFileLineKeyAndHint) {
  struct Case {
    const char* file;
    std::string line;  // after the path
  };
  const Case cases[] = {
      {"bad-address.toml",
       ":7: port[0].ipv4: '198.18.0.300/24' is not an address with prefix length (e.g. \"198.18.0.1/24\")"},
      {"unknown-key.toml",
       ":3: dataplane.coers: unknown key (known keys here: cores, mbufs, burst, rx_descriptors, "
       "tx_descriptors, steering_ring_size, stats_interval_ms, memory_mb, ticket_key_rotation_s, "
       "tls_record_buffers, access_log, access_log_ring_size, config_drain_timeout_ms, mbuf_reserve_percent)"},
      {"no-ports.toml",
       ": port: no [[port]] is configured (add at least one [[port]] with name, iface and ipv4)"},
      {"bad-management.toml",
       ":11: management.address: 'localhost:99999' is not an \"address:port\" (e.g. "
       "\"127.0.0.1:9100\", or \"\" to serve no metrics)"},
      {"unknown-pool.toml", ":12: listener[0].pool: no pool named 'nope' (define it with [[pool]])"},
      {"bad-health-check.toml",
       ":10: pool[0].health_check.timeout_ms: 2000 ms is not below interval_ms (2000 ms)"},
  };
  for (const Case& c : cases) {
    const CheckOutput o = check_config(config(c.file));
    EXPECT_EQ(o.exit_code, 1) << c.file;
    EXPECT_EQ(o.out, "") << c.file;
    EXPECT_TRUE(has_line(o.err, config(c.file) + c.line)) << c.file;
    EXPECT_TRUE(has_line(o.err, config(c.file) + ": 1 error(s)")) << c.file;
  }
}

TEST(ConfigCheck, SyntaxErrorsNameTheLine) {
  const CheckOutput o = check_config(config("syntax.toml"));
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_EQ(o.err.rfind(config("syntax.toml") + ":4: ", 0), 0u) << o.err;
  EXPECT_NE(o.err.find("(not valid TOML)"), std::string::npos) << o.err;
}

TEST(ConfigCheck, EveryErrorIsReportedNotOnlyTheFirst) {
  const std::string f = config("many-errors.toml");
  const CheckOutput o = check_config(f);
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_TRUE(has_line(o.err, f + ":3: dataplane.burst: 0 is out of range (allowed: 1 to 256)"));
  EXPECT_TRUE(has_line(
      o.err, f + ":12: pool[0].targets[0]: is not an \"address:port\" string (e.g. \"198.19.0.11:7000\")"));
  EXPECT_TRUE(has_line(o.err, f + ":16: listener[0].protocol: unsupported protocol 'htp' (use \"tcp\", "
                                  "\"tls\", \"http\" or \"https\")"));
  EXPECT_TRUE(has_line(o.err, f + ":22: management.adress: unknown key (known keys here: address)"));
  EXPECT_TRUE(has_line(o.err, f + ": 4 error(s)"));
}

TEST(ConfigCheck, MissingFile) {
  const CheckOutput o = check_config("/nonexistent/tollgate.toml");
  EXPECT_EQ(o.exit_code, 1);
  EXPECT_TRUE(
      has_line(o.err, "/nonexistent/tollgate.toml: cannot open the file (No such file or directory)"));
}

}  // namespace
}  // namespace tollgate::controlplane
