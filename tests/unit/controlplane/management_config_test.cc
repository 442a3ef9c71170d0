// The [management] section of the shared config reader.
#include <gtest/gtest.h>

#include "config/config.h"

namespace tollgate::dataplane {
namespace {

constexpr const char* kPort = R"(
[[port]]
name = "front"
iface = "tg-front"
ipv4 = "198.18.0.1/24"
)";

ConfigLoad with(const std::string& management) {
  return load_config_string(std::string(kPort) + management, "m.toml", FileChecks::kSkip);
}

TEST(ManagementConfig, DefaultIsLoopback9100) {
  const ConfigLoad l = with("");
  ASSERT_TRUE(l.config);
  EXPECT_TRUE(l.config->management.enabled);
  EXPECT_EQ(l.config->management.address, "127.0.0.1:9100");
  EXPECT_EQ(l.config->management.ip.to_string(), "127.0.0.1");
  EXPECT_EQ(l.config->management.port, 9100);
}

TEST(ManagementConfig, AddressIsParsed) {
  const ConfigLoad l = with("[management]\naddress = \"127.0.0.2:19107\"\n");
  ASSERT_TRUE(l.config) << l.errors[0].to_string();
  EXPECT_EQ(l.config->management.ip.to_string(), "127.0.0.2");
  EXPECT_EQ(l.config->management.port, 19107);
}

TEST(ManagementConfig, EmptyAddressDisables) {
  const ConfigLoad l = with("[management]\naddress = \"\"\n");
  ASSERT_TRUE(l.config);
  EXPECT_FALSE(l.config->management.enabled);
}

TEST(ManagementConfig, BadAddressesAreRefused) {
  for (const char* bad :
       {"127.0.0.1", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536", "host:80", ":9100", "127.0.0.1:80x"}) {
    const ConfigLoad l = with(std::string("[management]\naddress = \"") + bad + "\"\n");
    ASSERT_EQ(l.errors.size(), 1u) << bad;
    EXPECT_EQ(l.errors[0].key, "management.address") << bad;
    EXPECT_EQ(l.errors[0].line, 7u) << bad;
  }
  const ConfigLoad l = with("[management]\naddress = 9100\n");
  ASSERT_EQ(l.errors.size(), 1u);
  EXPECT_EQ(l.errors[0].message, "must be a string");
  const ConfigLoad t =
      load_config_string(std::string("management = 1\n") + kPort, "m.toml", FileChecks::kSkip);
  ASSERT_EQ(t.errors.size(), 1u);
  EXPECT_EQ(t.errors[0].to_string(), "m.toml:1: management: must be a table (write it as [management])");
}

}  // namespace
}  // namespace tollgate::dataplane
