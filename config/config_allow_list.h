// The section reader for a [[listener]]'s `allowed_clients`: the client address allow-list, compiled at
// load into the matcher the TCP stack checks every SYN against.
#pragma once

#include <optional>
#include <string>

#include "config/config.h"
#include "config/toml_reader.h"

namespace tollgate::dataplane {

// Absent: every client is allowed (l.allowed_clients stays empty). An array of IPv4 CIDR strings; `[]`
// allows nobody. A prefix with host bits set is an error (it almost always means a typo'd length).
void read_allowed_clients(TomlReader& r, const toml::table& t, const std::string& prefix, ListenerConfig& l);

// An array of IPv4 CIDR strings at `n` (named `key` in errors) as one matcher; nullopt after an error.
std::optional<net::AddressAllowList> read_prefix_list(TomlReader& r, const toml::node& n,
                                                      const std::string& key);

}  // namespace tollgate::dataplane
