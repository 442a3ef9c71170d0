// Shared assertion for config tests: every error must name the file, the line and the key.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "config/config.h"

namespace tollgate::dataplane {

// The lab's two ports, which most test configs start with. Nine lines: the line numbers the tests expect
// in errors count them.
inline const std::string kLabPorts = R"([[port]]
name = "front"
iface = "tg-front"
ipv4 = "198.18.0.1/24"

[[port]]
name = "back"
iface = "tg-back"
ipv4 = "198.19.0.1/24"
)";

inline void expect_error(const std::string& text, const std::string& key, uint32_t line,
                         const std::string& fragment) {
  const ConfigLoad load = load_config_string(text, "test.toml");
  EXPECT_FALSE(load.config);
  const auto it = std::find_if(load.errors.begin(), load.errors.end(),
                               [&](const ConfigError& e) { return e.key == key; });
  ASSERT_NE(it, load.errors.end()) << "no error for key " << key << " in:\n"
                                   << text << "\nfirst error: "
                                   << (load.errors.empty() ? "" : load.errors[0].to_string());
  EXPECT_EQ(it->file, "test.toml");
  EXPECT_EQ(it->line, line) << it->to_string();
  EXPECT_NE(it->to_string().find(fragment), std::string::npos) << it->to_string();
}

}  // namespace tollgate::dataplane
