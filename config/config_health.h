// A pool's `health_check` table (docs/CONFIG.md): read by the shared config reader so that `config check`,
// the dataplane and the control plane agree on it. Only the control plane acts on it (it schedules the
// probes); the dataplane sends them when asked.
#pragma once

#include <string>

#include "config/config.h"
#include "config/toml_reader.h"

namespace tollgate::dataplane {

// Sets pool.health_check when the table is present; bounds errors come from health::validate_settings and
// name the key they concern.
void read_pool_health(TomlReader& r, const toml::table& t, const std::string& prefix, PoolConfig& pool);

}  // namespace tollgate::dataplane
