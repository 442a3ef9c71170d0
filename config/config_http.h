// Section readers for the HTTP parts of the dataplane config (docs/CONFIG.md): HTTP settings of a
// [[pool]] and the rules, default action, HSTS and limits of an http/https [[listener]].
#pragma once

#include <string>
#include <vector>

#include "config/config.h"
#include "config/toml_reader.h"
#include "engine/tls/client_context.h"

namespace tollgate::dataplane {

void read_pool_http(TomlReader& r, const toml::table& t, const std::string& prefix, PoolConfig& pool);
// A pool's `tls` table (HTTPS to its targets).
void read_pool_tls(TomlReader& r, const toml::table& t, const std::string& prefix, PoolConfig& pool);
// What the pool's TLS layer is built from (tls::ClientContext::create).
tls::ClientSettings client_settings(const PoolConfig::Tls& tls);
// For any listener: keys of http listeners are errors on others. `l.protocol` and `l.pool` are read.
void read_http_listener(TomlReader& r, const toml::table& t, const std::string& prefix,
                        const std::vector<PoolConfig>& pools, ListenerConfig& l);

}  // namespace tollgate::dataplane
