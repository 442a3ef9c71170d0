// Names shared by the JSON and Prometheus renderings of a snapshot.
#pragma once

#include <map>
#include <string>

#include "engine/shm/stats_types.h"

namespace tollgate::controlplane {

// A listener's failed handshakes by the TLS layer's reason name (reasons the TLS layer does not name count
// as "other"); only reasons with a count.
std::map<std::string, uint64_t> tls_failures_by_reason(const shm::EntityTotals<shm::ListenerCounter>& t);

}  // namespace tollgate::controlplane
