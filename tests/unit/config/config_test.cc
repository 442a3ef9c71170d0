#include "config/config.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "tests/unit/config/config_expect.h"

namespace tollgate::dataplane {
namespace {

constexpr const char* kGood = R"(
[dataplane]
cores = 2
burst = 64

[[port]]
name = "front"
iface = "tg-front"
ipv4 = "198.18.0.1/24"

[[port]]
name = "back"
iface = "tg-back"
driver = "af_packet"
ipv4 = "198.19.0.1/24"
gateway = "198.19.0.254"
)";

TEST(DataplaneConfig, ReadsAGoodFile) {
  const ConfigLoad load = load_config_string(kGood, "good.toml");
  ASSERT_TRUE(load.config) << (load.errors.empty() ? "" : load.errors[0].to_string());
  const DataplaneConfig& c = *load.config;
  EXPECT_EQ(c.cores, 2);
  EXPECT_EQ(c.burst, 64);
  ASSERT_EQ(c.ports.size(), 2u);
  EXPECT_EQ(c.ports[0].driver, PortDriver::kAfXdp);
  EXPECT_EQ(c.ports[1].driver, PortDriver::kAfPacket);
  EXPECT_EQ(c.ports[1].ipv4.to_string(), "198.19.0.1/24");
  EXPECT_EQ(c.ports[1].gateway->to_string(), "198.19.0.254");
}

TEST(DataplaneConfig, TheLabConfigIsValid) {
  // Certificates are made by lab.sh next to the copy it runs: not checked here.
  const ConfigLoad load =
      load_config_file(std::string(TOLLGATE_SOURCE_ROOT) + "/deploy/lab.toml", FileChecks::kSkip);
  ASSERT_TRUE(load.config) << (load.errors.empty() ? "" : load.errors[0].to_string());
  const auto tls = std::find_if(load.config->listeners.begin(), load.config->listeners.end(),
                                [](const ListenerConfig& l) { return l.protocol == ListenerProtocol::kTls; });
  ASSERT_NE(tls, load.config->listeners.end());
  EXPECT_EQ(tls->port, 8443);
  ASSERT_EQ(tls->certificates.size(), 2u);
  EXPECT_EQ(tls->certificates[0].chain,
            std::string(TOLLGATE_SOURCE_ROOT) + "/deploy/certs/lab-ecdsa-chain.pem");
}

TEST(DataplaneConfig, TlsListenerErrorsNameTheKey) {
  const std::string base =
      "[[port]]\nname='f'\niface='x'\nipv4='198.18.0.1/24'\n[[pool]]\nname='p'\ntargets=['198.18.0.9:1']\n"
      "[[listener]]\nname='t'\nprotocol='tls'\naddress='198.18.0.1'\nport=1\npool='p'\n";
  expect_error(base, "listener[0].certificates", 8, "is required");
  expect_error(base + "certificates=[{chain='/nonexistent/c.pem', key='/nonexistent/k.pem'}]\n",
               "listener[0].certificates[0].chain", 14, "cannot read '/nonexistent/c.pem'");
  expect_error(base + "security_policy='tls10'\ncertificates=[]\n", "listener[0].security_policy", 14,
               "unknown security policy 'tls10'");
}

TEST(DataplaneConfig, ErrorsNameFileLineAndKey) {
  expect_error("[dataplane]\ncores = 'two'\n[[port]]\nname='a'\niface='x'\nipv4='1.2.3.4/24'\n",
               "dataplane.cores", 2, "must be an integer");
  expect_error("[dataplane]\nburst = 0\n[[port]]\nname='a'\niface='x'\nipv4='1.2.3.4/24'\n",
               "dataplane.burst", 2, "out of range");
  expect_error("[dataplane]\ncorse = 1\n[[port]]\nname='a'\niface='x'\nipv4='1.2.3.4/24'\n",
               "dataplane.corse", 2, "unknown key");
  expect_error("[dataplane]\nmbuf_reserve_percent = 60\n[[port]]\nname='a'\niface='x'\nipv4='1.2.3.4/24'\n",
               "dataplane.mbuf_reserve_percent", 2, "out of range");
  expect_error("[[port]]\nname='a'\niface='x'\nipv4='1.2.3.4'\n", "port[0].ipv4", 4, "prefix length");
  expect_error("[[port]]\nname='a'\niface='x'\nipv4='1.2.3.4/24'\ndriver='dpdk'\n", "port[0].driver", 5,
               "unknown driver");
  expect_error("[[port]]\nname='a'\niface='x'\nipv4='1.2.3.4/24'\ngateway='9.9.9.9'\n", "port[0].gateway", 5,
               "not on-link");
  expect_error(
      "[[port]]\nname='a'\niface='x'\nipv4='1.2.3.4/24'\n[[port]]\nname='a'\niface='y'\nipv4='1.2.4.4/24'\n",
      "port[1].name", 6, "used twice");
  expect_error(
      "[[port]]\nname='a'\niface='x'\nipv4='1.2.3.4/24'\n[[port]]\nname='b'\niface='x'\nipv4='1.2.4.4/24'\n",
      "port[1].iface", 7, "used by two ports");
  expect_error("[[port]]\nname='a'\nipv4='1.2.3.4/24'\n", "port[0].iface", 1, "is required");
  expect_error("[[port]]\nname='a'\niface='an-interface-name-too-long'\nipv4='1.2.3.4/24'\n", "port[0].iface",
               3, "15 characters");
  expect_error("[dataplane]\ncores = 1\n", "port", 0, "no [[port]]");
  expect_error("[dataplane]\nsteering_ring_size = 1000\n[[port]]\nname='a'\niface='x'\nipv4='1.2.3.4/24'\n",
               "dataplane.steering_ring_size", 2, "power of two");
}

// Timeouts against peers that hold resources: tcp/tls sessions idle (an NLB's 350 s unless set; http
// listeners keep their own keep-alive default) and the TCP stack's zero-window bound.
TEST(DataplaneConfig, IdleAndZeroWindowTimeouts) {
  const std::string base =
      "[[port]]\nname='f'\niface='x'\nipv4='198.18.0.1/24'\n[[pool]]\nname='p'\ntargets=['198.18.0.9:1']\n"
      "[[listener]]\nname='t'\nprotocol='tcp'\naddress='198.18.0.1'\nport=1\npool='p'\n";
  const std::string http =
      "[[listener]]\nname='h'\nprotocol='http'\naddress='198.18.0.1'\nport=2\npool='p'\n";
  ConfigLoad load = load_config_string(base + http, "t.toml");
  ASSERT_TRUE(load.config) << load.errors[0].to_string();
  EXPECT_EQ(load.config->listeners[0].idle_timeout_ms, kL4IdleTimeoutMs);
  EXPECT_EQ(load.config->listeners[1].idle_timeout_ms, 60000u);
  EXPECT_EQ(load.config->tcp.zero_window_timeout_ms, 60000u);
  load = load_config_string(base + "idle_timeout_ms = 5000\n[tcp]\nzero_window_timeout_ms = 0\n", "t.toml");
  ASSERT_TRUE(load.config) << load.errors[0].to_string();
  EXPECT_EQ(load.config->listeners[0].idle_timeout_ms, 5000u);
  EXPECT_EQ(load.config->tcp.zero_window_timeout_ms, 0u);
  expect_error(base + "idle_timeout_ms = 10\n", "listener[0].idle_timeout_ms", 14, "out of range");
  expect_error(base + "[tcp]\nzero_window_timeout_ms = 500\n", "tcp.zero_window_timeout_ms", 15,
               "readers that merely pause");
  expect_error(base + "[tcp]\nzero_window_timeout_ms = 'long'\n", "tcp.zero_window_timeout_ms", 15,
               "must be an integer");
}

TEST(DataplaneConfig, AllowedClients) {
  const std::string base =
      "[[port]]\nname='f'\niface='x'\nipv4='198.18.0.1/24'\n[[pool]]\nname='p'\ntargets=['198.18.0.9:1']\n"
      "[[listener]]\nname='t'\nprotocol='tcp'\naddress='198.18.0.1'\nport=1\npool='p'\n";
  const ConfigLoad absent = load_config_string(base, "test.toml");
  ASSERT_TRUE(absent.config);
  EXPECT_FALSE(absent.config->listeners[0].allowed_clients);  // everyone
  const ConfigLoad empty = load_config_string(base + "allowed_clients = []\n", "test.toml");
  ASSERT_TRUE(empty.config);
  ASSERT_TRUE(empty.config->listeners[0].allowed_clients);
  EXPECT_FALSE(empty.config->listeners[0].allowed_clients->allows(*net::Ipv4Address::parse("198.18.0.2")));
  const ConfigLoad some =
      load_config_string(base + "allowed_clients = ['198.18.0.0/30', '198.18.1.7/32']\n", "test.toml");
  ASSERT_TRUE(some.config) << some.errors[0].to_string();
  const net::AddressAllowList& l = *some.config->listeners[0].allowed_clients;
  EXPECT_TRUE(l.allows(*net::Ipv4Address::parse("198.18.0.3")));
  EXPECT_TRUE(l.allows(*net::Ipv4Address::parse("198.18.1.7")));
  EXPECT_FALSE(l.allows(*net::Ipv4Address::parse("198.18.0.4")));

  expect_error(base + "allowed_clients = ['198.18.0.1/24']\n", "listener[0].allowed_clients[0]", 14,
               "host bits set");
  expect_error(base + "allowed_clients = ['198.18.0.0/24',\n  '198.18.0.0/33']\n",
               "listener[0].allowed_clients[1]", 15, "not an IPv4 prefix");
  expect_error(base + "allowed_clients = ['198.18.0.7']\n", "listener[0].allowed_clients[0]", 14,
               "not an IPv4 prefix");
  expect_error(base + "allowed_clients = [7]\n", "listener[0].allowed_clients[0]", 14, "must be a string");
  expect_error(base + "allowed_clients = '198.18.0.0/24'\n", "listener[0].allowed_clients", 14,
               "must be an array");
}

TEST(DataplaneConfig, MemifPorts) {
  const ConfigLoad load = load_config_string(
      "[[port]]\nname='front'\ndriver='memif'\nsocket='/run/tg/front.sock'\nipv4='198.18.0.1/24'\n"
      "[[port]]\nname='back'\ndriver='memif'\nsocket='/run/tg/back.sock'\nmac='02:00:00:00:01:09'\n"
      "ipv4='198.18.1.1/24'\n",
      "test.toml");
  ASSERT_TRUE(load.config) << (load.errors.empty() ? "" : load.errors[0].to_string());
  const DataplaneConfig& c = *load.config;
  EXPECT_EQ(c.ports[0].driver, PortDriver::kMemif);
  EXPECT_EQ(c.ports[0].socket, "/run/tg/front.sock");
  EXPECT_FALSE(c.ports[0].mac.has_value());
  EXPECT_TRUE(c.ports[0].iface.empty());
  EXPECT_EQ(c.ports[1].mac->to_string(), "02:00:00:00:01:09");
  EXPECT_EQ(memif_default_mac(0).to_string(), "02:00:00:00:01:01");
  EXPECT_EQ(port_driver_name(PortDriver::kMemif), "memif");
}

TEST(DataplaneConfig, MemifPortErrorsNameTheKey) {
  const std::string head = "[[port]]\nname='a'\ndriver='memif'\nipv4='1.2.3.4/24'\n";
  expect_error(head, "port[0].socket", 1, "is required");
  expect_error(head + "socket='relative.sock'\n", "port[0].socket", 5, "absolute path");
  expect_error(head + "socket='/x.sock'\niface='eth0'\n", "port[0].iface", 6, "no kernel interface");
  expect_error(head + "socket='/x.sock'\nmac='02:00:00:00:01'\n", "port[0].mac", 6, "not a MAC address");
  expect_error(head + "socket='/x.sock'\nmac='01:00:5e:00:00:01'\n", "port[0].mac", 6, "not a unicast");
  expect_error(head +
                   "socket='/x.sock'\n[[port]]\nname='b'\ndriver='memif'\nipv4='1.2.4.4/24'\n"
                   "socket='/x.sock'\n",
               "port[1].socket", 10, "used by two ports");
  expect_error("[[port]]\nname='a'\niface='x'\nipv4='1.2.3.4/24'\nsocket='/x.sock'\n", "port[0].socket", 5,
               "only memif ports");
}

TEST(DataplaneConfig, AccessLog) {
  const std::string port = "[[port]]\nname='a'\niface='x'\nipv4='1.2.3.4/24'\n";
  EXPECT_TRUE(load_config_string(port, "test.toml").config->access_log.empty());
  // Relative to the config file's directory, as certificates are; not opened when files are not checked.
  const ConfigLoad load = load_config_string("[dataplane]\naccess_log = 'logs/access.log'\n" + port,
                                             "/etc/tollgate/tollgate.toml", FileChecks::kSkip);
  ASSERT_TRUE(load.config) << load.errors[0].to_string();
  EXPECT_EQ(load.config->access_log, "/etc/tollgate/logs/access.log");
  EXPECT_EQ(load.config->access_log_ring_size, 4096u);

  expect_error("[dataplane]\naccess_log = '/nonexistent/dir/access.log'\n" + port, "dataplane.access_log", 2,
               "cannot open '/nonexistent/dir/access.log' for append");
  expect_error("[dataplane]\naccess_log = ''\n" + port, "dataplane.access_log", 2, "must not be empty");
  expect_error("[dataplane]\naccess_log = 3\n" + port, "dataplane.access_log", 2, "must be a string");
  expect_error("[dataplane]\naccess_log_ring_size = 1000\n" + port, "dataplane.access_log_ring_size", 2,
               "power of two");

  // A file we can open for append passes (and is created, as the dataplane would).
  std::string dir = ::testing::TempDir() + "tollgate-config-XXXXXX";
  ASSERT_NE(::mkdtemp(dir.data()), nullptr);
  const std::string path = dir + "/access.log";
  const ConfigLoad ok = load_config_string("[dataplane]\naccess_log = '" + path + "'\n" + port, "test.toml");
  EXPECT_TRUE(ok.config) << (ok.errors.empty() ? "" : ok.errors[0].to_string());
  EXPECT_EQ(::unlink(path.c_str()), 0);
  ::rmdir(dir.c_str());
}

TEST(DataplaneConfig, SyntaxErrorsCarryTheLine) {
  const ConfigLoad load = load_config_string("[dataplane]\ncores = = 1\n", "bad.toml");
  ASSERT_EQ(load.errors.size(), 1u);
  EXPECT_EQ(load.errors[0].line, 2u);
  EXPECT_NE(load.errors[0].to_string().find("bad.toml:2:"), std::string::npos);
}

TEST(DataplaneConfig, MissingFileIsAnError) {
  const ConfigLoad load = load_config_file("/nonexistent/tollgate.toml");
  ASSERT_EQ(load.errors.size(), 1u);
  EXPECT_NE(load.errors[0].to_string().find("cannot open"), std::string::npos);
}

TEST(DataplaneConfig, MaxHandshakes) {
  const std::string ports =
      "[[port]]\nname='front'\niface='tg-front'\nipv4='198.18.0.1/"
      "24'\n[[pool]]\nname='p'\ntargets=['198.18.0.9:1']\n";
  const std::string tcp =
      ports + "[[listener]]\nname='t'\nprotocol='tcp'\naddress='198.18.0.1'\nport=1\npool='p'\n";
  const ConfigLoad none = load_config_string(tcp, "test.toml");
  ASSERT_TRUE(none.config) << none.errors[0].to_string();
  EXPECT_EQ(none.config->listeners[0].max_handshakes, 0u);
  expect_error(tcp + "max_handshakes = 10\n", "listener[0].max_handshakes", 14, "runs handshakes");
}

}  // namespace
}  // namespace tollgate::dataplane
