// Section readers for the HTTP parts of the dataplane config (docs/CONFIG.md): HTTP settings of a
// [[pool]] and the rules, default action, HSTS and limits of an http/https [[listener]].
#pragma once

#include <string>
#include <vector>

#include "dataplane/config.h"
#include "dataplane/toml_reader.h"

namespace tollgate::dataplane {

void read_pool_http(TomlReader& r, const toml::table& t, const std::string& prefix, PoolConfig& pool);
// For any listener: keys of http listeners are errors on others. `l.protocol` and `l.pool` are read.
void read_http_listener(TomlReader& r, const toml::table& t, const std::string& prefix,
                        const std::vector<PoolConfig>& pools, ListenerConfig& l);

}  // namespace tollgate::dataplane
