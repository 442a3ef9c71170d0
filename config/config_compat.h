// Whether a config the control plane published can be adopted by the running dataplane, and which parts of
// the running objects a new config generation can keep.
//
// Live (a new generation applies them to new connections): rules, default actions, pools (algorithm,
// targets, weights, timeouts, TLS to targets), a tcp/tls listener's pool, certificates, security policy and
// handshake timeout, HTTP limits and timeouts, HSTS, per-listener connection limits, and the main lcore's
// stats_interval_ms, ticket_key_rotation_s and config_drain_timeout_ms. Everything else shapes what was
// built at start — EAL, ports and their queues, the workers, mbuf pools, the TCP stack, the neighbour
// tables, the access-log ring and file, and the listeners themselves (the same list, in the same order,
// with the same name, protocol, address and port: the segment's listener stats are indexed by position) —
// and needs a dataplane restart. A config may also not need more rules, pools or targets than the
// segment was made for.
#pragma once

#include <string>
#include <vector>

#include "config/config.h"
#include "engine/shm/segment_types.h"

namespace tollgate::dataplane {

// Every difference only a restart can apply, each as "key: old → new" (e.g. "listener[2] 'https'.port:
// 443 → 4443", "tcp.receive_window: 262144 → 131072"). Empty: adoptable live. Both configs must have
// had the command line's overrides (--cores, --driver) applied the same way.
std::vector<std::string> restart_needed(const DataplaneConfig& running, const DataplaneConfig& next);

// What the segment cannot hold, each as "rules: 300 (the segment holds 256)". Empty: it fits.
std::vector<std::string> beyond_capacity(const DataplaneConfig& next, const shm::Capacities& capacities);

// The one line the dataplane logs and records in the segment when it refuses a generation; empty when
// the config is adoptable.
std::string adoption_refusal(const DataplaneConfig& running, const DataplaneConfig& next,
                             const shm::Capacities& capacities);

// Listener `index` (a tcp or tls one) would be built exactly as it runs: same settings, same pool targets
// (addresses and weights) and algorithm. Its L4 proxy then carries on into the new generation, and its
// connections are not drained.
bool same_l4_listener(const DataplaneConfig& running, const DataplaneConfig& next, size_t index);
// Every http/https listener and every pool is the same: the HTTP side carries on unchanged.
bool same_http(const DataplaneConfig& running, const DataplaneConfig& next);

}  // namespace tollgate::dataplane
