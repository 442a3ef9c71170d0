// Whether a published config can be adopted live: every change only a restart can apply is refused and
// named, live changes pass, the segment's capacities bound what may grow; blobs are decoded and read the
// way the dataplane reads its own file; which running parts a new generation keeps; how entities renumber.
#include "config/config_compat.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "config/config_blob.h"
#include "config/entity_index.h"
#include "config/entity_map.h"
#include "dataplane/config_adoption.h"
#include "tests/unit/config/config_expect.h"

namespace tollgate::dataplane {
namespace {

// A tcp listener, a tls listener (certificate files not checked here) and two http listeners over three
// pools.
const std::string kBase = R"([dataplane]
cores = 2
burst = 32

[tcp]
receive_window = 262144

)" + kLabPorts + R"(
[[pool]]
name = "echo"
targets = ["198.19.0.11:7000", "198.19.0.12:7000"]

[[pool]]
name = "api"
targets = ["198.19.0.11:8080", "198.19.0.12:8080"]

[[pool]]
name = "web"
targets = ["198.19.0.13:8080"]

[[listener]]
name = "tcp-echo"
protocol = "tcp"
address = "198.18.0.1"
port = 7000
pool = "echo"

[[listener]]
name = "tls-echo"
protocol = "tls"
address = "198.18.0.1"
port = 8443
pool = "echo"
certificates = [{ chain = "a.pem", key = "a.key" }]

[[listener]]
name = "http"
protocol = "http"
address = "198.18.0.1"
port = 80
default_action = { type = "redirect", protocol = "https", port = "443" }

[[listener]]
name = "app"
protocol = "http"
address = "198.18.0.1"
port = 8080
default_action = { type = "forward", pool = "web" }

[[listener.rule]]
priority = 10
path = "/api/*"
action = { type = "forward", pool = "api" }

[[listener.rule]]
priority = 1
path = "/health"
path_match = "exact"
action = { type = "fixed-response", status = 200, body = "ok" }
)";

DataplaneConfig read(const std::string& text) {
  ConfigLoad load = load_config_string(text, "/etc/tollgate/test.toml", FileChecks::kSkip);
  EXPECT_TRUE(load.config) << (load.errors.empty() ? "" : load.errors[0].to_string());
  return load.config ? std::move(*load.config) : DataplaneConfig{};
}

std::string replace(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

std::vector<std::string> needed(const std::string& edited) {
  return restart_needed(read(kBase), read(edited));
}

TEST(ConfigCompat, TheSameConfigIsAdoptable) {
  EXPECT_TRUE(needed(kBase).empty());
  EXPECT_EQ(adoption_refusal(read(kBase), read(kBase), shm::Capacities{}), "");
}

TEST(ConfigCompat, LiveChangesAreAdoptable) {
  std::string t = kBase;
  t = replace(t, "targets = [\"198.19.0.11:8080\", \"198.19.0.12:8080\"]",
              "algorithm = \"least_outstanding_requests\"\nresponse_timeout_ms = 1000\n"
              "targets = [\"198.19.0.11:8080\", { address = \"198.19.0.12:8080\", weight = 5 }, "
              "\"198.19.0.14:8080\"]");
  t = replace(t, "action = { type = \"forward\", pool = \"api\" }",
              "action = { type = \"forward\", pool = \"web\" }");
  t = replace(t, "path = \"/api/*\"", "path = \"/v2/*\"\nmethod = [\"GET\"]");
  t = replace(t, "pool = \"echo\"\ncertificates",
              "pool = \"api\"\nsecurity_policy = \"tls13-only\"\ncertificates");
  t = replace(t, "chain = \"a.pem\"", "chain = \"b.pem\"");
  t = replace(t, "port = 8080\n", "port = 8080\nidle_timeout_ms = 5000\nmax_head_bytes = 8192\n");
  t = replace(t, "burst = 32", "burst = 32\nconfig_drain_timeout_ms = 1000\nstats_interval_ms = 200");
  t += R"(
[[listener.rule]]
priority = 5
host = ["new.example"]
action = { type = "fixed-response", status = 503 }

[[pool]]
name = "extra"
targets = ["198.19.0.20:8080"]
)";
  EXPECT_EQ(needed(t), std::vector<std::string>{});
}

TEST(ConfigCompat, EveryChangeThatNeedsARestartIsNamed) {
  const struct {
    std::string from, to, named;
  } cases[] = {
      {"cores = 2", "cores = 3", "dataplane.cores: 2 → 3"},
      {"burst = 32", "burst = 64", "dataplane.burst: 32 → 64"},
      {"burst = 32", "burst = 32\nmbufs = 65535", "dataplane.mbufs: 32767 → 65535"},
      {"burst = 32", "burst = 32\nrx_descriptors = 2048", "dataplane.rx_descriptors: 1024 → 2048"},
      {"burst = 32", "burst = 32\nsteering_ring_size = 2048", "dataplane.steering_ring_size: 1024 → 2048"},
      {"burst = 32", "burst = 32\nmemory_mb = 1024", "dataplane.memory_mb: 512 → 1024"},
      {"burst = 32", "burst = 32\ntls_record_buffers = 16", "dataplane.tls_record_buffers: 4096 → 16"},
      {"burst = 32", "burst = 32\nmbuf_reserve_percent = 10", "dataplane.mbuf_reserve_percent: 20 → 10"},
      {"burst = 32", "burst = 32\naccess_log = \"a.log\"",
       "dataplane.access_log: '' → '/etc/tollgate/a.log'"},
      {"burst = 32", "burst = 32\naccess_log_ring_size = 1024",
       "dataplane.access_log_ring_size: 4096 → 1024"},
      {"[tcp]", "[neighbour]\ncapacity = 2048\n\n[tcp]", "neighbour.capacity: 1024 → 2048"},
      {"receive_window = 262144", "receive_window = 131072", "tcp.receive_window: 262144 → 131072"},
      {"receive_window = 262144", "receive_window = 262144\ncongestion_control = \"newreno\"",
       "tcp.congestion_control: cubic → newreno"},
      {"receive_window = 262144", "receive_window = 262144\nmax_connections = 1024",
       "tcp.max_connections: 65536 → 1024"},
      {"iface = \"tg-back\"", "iface = \"tg-other\"", "port[1] 'back'.iface: 'tg-back' → 'tg-other'"},
      {"ipv4 = \"198.18.0.1/24\"", "ipv4 = \"198.18.0.1/16\"",
       "port[0] 'front'.ipv4: 198.18.0.1/24 → 198.18.0.1/16"},
      {"iface = \"tg-back\"", "iface = \"tg-back\"\ndriver = \"af_packet\"",
       "port[1] 'back'.driver: af_xdp → af_packet"},
      {"port = 8080\n", "port = 8081\n", "listener[3] 'app'.port: 8080 → 8081"},
      {"name = \"http\"\nprotocol = \"http\"", "name = \"plain\"\nprotocol = \"http\"",
       "listener[2] 'http'.name: 'http' → 'plain'"},
      {"name = \"http\"\nprotocol = \"http\"",
       "name = \"http\"\nprotocol = \"https\"\ncertificates = [{ chain = \"a.pem\", key = \"a.key\" }]",
       "listener[2] 'http'.protocol: http → https"},
  };
  for (const auto& c : cases) {
    const std::vector<std::string> n = needed(replace(kBase, c.from, c.to));
    ASSERT_EQ(n.size(), 1u) << c.named << ": " << ::testing::PrintToString(n);
    EXPECT_EQ(n[0], c.named);
  }
}

TEST(ConfigCompat, ListenersAddedRemovedOrMovedAreNamed) {
  const std::string added = kBase + R"(
[[listener]]
name = "more"
protocol = "tcp"
address = "198.18.0.1"
port = 7001
pool = "echo"
)";
  EXPECT_EQ(needed(added), std::vector<std::string>{"listener[4] 'more': added"});
  EXPECT_EQ(restart_needed(read(added), read(kBase)),
            std::vector<std::string>{"listener[4] 'more': removed"});
  // The same listeners in another order: each position names what moved.
  const DataplaneConfig a = read(kBase);
  DataplaneConfig b = a;
  std::swap(b.listeners[2], b.listeners[3]);
  const std::vector<std::string> n = restart_needed(a, b);
  EXPECT_NE(std::find(n.begin(), n.end(), "listener[2] 'http'.name: 'http' → 'app'"), n.end());
  EXPECT_NE(std::find(n.begin(), n.end(), "listener[3] 'app'.port: 8080 → 80"), n.end());
}

// allowed_clients is per-listener routing state: adopted live, rebuilding only the listener it is on.
TEST(ConfigCompat, AllowListChangesAreLive) {
  const DataplaneConfig a = read(kBase);
  const std::string tcp =
      replace(kBase, "port = 7000\n", "port = 7000\nallowed_clients = [\"198.18.0.0/24\"]\n");
  EXPECT_EQ(needed(tcp), std::vector<std::string>{});
  const DataplaneConfig b = read(tcp);
  EXPECT_FALSE(same_l4_listener(a, b, 0));
  EXPECT_TRUE(same_l4_listener(a, b, 1));
  EXPECT_TRUE(same_http(a, b));
  const std::string app = replace(kBase, "port = 8080\n", "port = 8080\nallowed_clients = []\n");
  EXPECT_EQ(needed(app), std::vector<std::string>{});
  EXPECT_FALSE(same_http(a, read(app)));
}

TEST(ConfigCompat, TheSegmentsCapacitiesBoundLiveGrowth) {
  shm::Capacities caps;
  caps.rules = 2;
  caps.pools = 3;
  caps.targets = 5;
  EXPECT_TRUE(beyond_capacity(read(kBase), caps).empty());
  const std::string more = kBase + R"(
[[listener.rule]]
priority = 3
path = "/x"
action = { type = "forward", pool = "web" }

[[pool]]
name = "extra"
targets = ["198.19.0.20:8080"]
)";
  EXPECT_EQ(beyond_capacity(read(more), caps),
            (std::vector<std::string>{"rules: 3 (the segment holds 2)", "pools: 4 (the segment holds 3)",
                                      "targets: 6 (the segment holds 5)"}));
  const std::string why = adoption_refusal(read(kBase), read(more), caps);
  EXPECT_EQ(why.rfind("more than the shared segment was sized for (a restart sizes it anew): rules: 3", 0),
            0u)
      << why;
  const std::string both =
      adoption_refusal(read(kBase), read(replace(more, "port = 8080\n", "port = 8081\n")), caps);
  EXPECT_EQ(both.rfind("needs a dataplane restart: listener[3] 'app'.port: 8080 → 8081; more than", 0), 0u)
      << both;
}

TEST(ConfigCompat, UnchangedPartsAreKept) {
  const DataplaneConfig a = read(kBase);
  EXPECT_TRUE(same_http(a, a));
  for (size_t i : {0u, 1u}) EXPECT_TRUE(same_l4_listener(a, a, i));
  // A rule changes: the HTTP side is rebuilt, the tcp and tls listeners are kept.
  const DataplaneConfig rule = read(replace(kBase, "path = \"/api/*\"", "path = \"/v2/*\""));
  EXPECT_FALSE(same_http(a, rule));
  EXPECT_TRUE(same_l4_listener(a, rule, 0));
  EXPECT_TRUE(same_l4_listener(a, rule, 1));
  // The echo pool's targets change: both L4 listeners on it (and the HTTP side: pools are shared).
  const DataplaneConfig echo = read(replace(kBase, "\"198.19.0.12:7000\"]", "\"198.19.0.13:7000\"]"));
  EXPECT_FALSE(same_l4_listener(a, echo, 0));
  EXPECT_FALSE(same_l4_listener(a, echo, 1));
  EXPECT_FALSE(same_http(a, echo));
  // The echo pool's algorithm: the L4 listeners' own target choice changes, so they are rebuilt too.
  const DataplaneConfig algorithm = read(replace(
      kBase, "\"198.19.0.12:7000\"]", "\"198.19.0.12:7000\"]\nalgorithm = \"least_outstanding_requests\""));
  EXPECT_FALSE(same_l4_listener(a, algorithm, 0));
  EXPECT_FALSE(same_l4_listener(a, algorithm, 1));
  // The tls listener's certificates: only it.
  const DataplaneConfig cert = read(replace(kBase, "chain = \"a.pem\"", "chain = \"b.pem\""));
  EXPECT_TRUE(same_l4_listener(a, cert, 0));
  EXPECT_FALSE(same_l4_listener(a, cert, 1));
  EXPECT_TRUE(same_http(a, cert));
}

TEST(EntityMap, RulesPoolsAndTargetsFollowTheirNames) {
  const DataplaneConfig a = read(kBase);
  // Pools reordered, a target added in front, a rule dropped and one added.
  std::string t = replace(
      kBase, "[[pool]]\nname = \"echo\"\ntargets = [\"198.19.0.11:7000\", \"198.19.0.12:7000\"]\n", "");
  t = replace(t, "[[pool]]\nname = \"web\"",
              "[[pool]]\nname = \"echo\"\ntargets = [\"198.19.0.11:7000\", "
              "\"198.19.0.12:7000\"]\n\n[[pool]]\nname = \"web\"");
  t = replace(t, "targets = [\"198.19.0.11:8080\", \"198.19.0.12:8080\"]",
              "targets = [\"198.19.0.10:8080\", \"198.19.0.12:8080\", \"198.19.0.11:8080\"]");
  t = replace(t, "priority = 1\npath = \"/health\"", "priority = 2\npath = \"/health\"");
  const DataplaneConfig b = read(t);
  const EntityMap m = map_entities(a, b, EntityIndex(b));
  // a: pools echo(0) api(1) web(2), targets echo 0,1 api 2,3 web 4; b: api(0) echo(1) web(2),
  // targets api .10 .12 .11 = 0,1,2, echo 3,4, web 5.
  EXPECT_EQ(m.pools, (std::vector<int32_t>{1, 0, 2}));
  EXPECT_EQ(m.targets, (std::vector<int32_t>{3, 4, 2, 1, 5}));
  // a's rules: app's priority 10 (0) and 1 (1); b keeps 10 (0), 1 became 2: gone.
  EXPECT_EQ(m.rules, (std::vector<int32_t>{0, -1}));
}

class Adoption : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("tollgate-adopt-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::vector<uint8_t> blob(const std::string& toml) const {
    const std::string b = encode_config_blob({(dir_ / "tollgate.toml").string(), toml});
    return {b.begin(), b.end()};
  }
  std::filesystem::path dir_;
};

TEST_F(Adoption, ABlobIsReadAsTheDataplaneReadsItsFile) {
  // The running config as the dataplane read it from the same place, with --cores 4.
  // (Without the tls listener: its certificate files would be checked.)
  const std::string text = replace(kBase, "burst = 32", "burst = 32\naccess_log = \"access.log\"");
  const std::string no_tls = text.substr(0, text.find("[[listener]]\nname = \"tls-echo\"")) +
                             text.substr(text.find("[[listener]]\nname = \"http\""));
  ConfigLoad load = load_config_string(no_tls, (dir_ / "tollgate.toml").string());
  ASSERT_TRUE(load.config) << load.errors[0].to_string();
  DataplaneConfig running = std::move(*load.config);
  const ConfigOverrides overrides{4, "af_packet"};
  apply_overrides(running, overrides);
  // The file says cores = 2 and af_xdp: the overrides apply to it as well, so only the rule change counts.
  Result<DataplaneConfig> next =
      config_to_adopt(blob(replace(no_tls, "path = \"/api/*\"", "path = \"/v3/*\"")), running, overrides, {});
  ASSERT_TRUE(next) << next.error();
  EXPECT_EQ(next.value().cores, 4);
  EXPECT_EQ(next.value().ports[0].driver, PortDriver::kAfPacket);
  EXPECT_EQ(next.value().access_log, (dir_ / "access.log").string());  // relative to the blob's path
  EXPECT_TRUE(std::filesystem::exists(dir_ / "access.log"));           // checked as at start

  Result<DataplaneConfig> moved =
      config_to_adopt(blob(replace(no_tls, "port = 80\n", "port = 81\n")), running, overrides, {});
  ASSERT_FALSE(moved);
  EXPECT_EQ(moved.error(), "needs a dataplane restart: listener[1] 'http'.port: 80 → 81");

  Result<DataplaneConfig> broken = config_to_adopt(blob(no_tls + "\nbogus = 1\n"), running, overrides, {});
  ASSERT_FALSE(broken);
  EXPECT_NE(broken.error().find("1 error(s) reading it here, the first: "), std::string::npos)
      << broken.error();
  EXPECT_NE(broken.error().find("bogus"), std::string::npos) << broken.error();

  const std::string junk = "not json";
  Result<DataplaneConfig> garbage =
      config_to_adopt({reinterpret_cast<const uint8_t*>(junk.data()), junk.size()}, running, overrides, {});
  ASSERT_FALSE(garbage);
  EXPECT_EQ(garbage.error(), "config blob is not a JSON object");
}

}  // namespace
}  // namespace tollgate::dataplane
