// The section reader for a [[listener]]'s `client_limits`: what one client address may hold and how fast
// it may come (net::ClientLimits); requests_per_second on http and https listeners only.
#pragma once

#include <string>

#include "config/config.h"
#include "config/toml_reader.h"

namespace tollgate::dataplane {

// client_limits = { connections = 100, connections_per_second = 20, requests_per_second = 100, burst = 200,
//                   exempt = ["198.18.0.0/24"], tracked_clients = 16384 }
void read_client_limits(TomlReader& r, const toml::table& t, const std::string& prefix, ListenerConfig& l);

}  // namespace tollgate::dataplane
