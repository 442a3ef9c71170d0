// Per-client limits of one listener (`client_limits` in its config): what one source address may hold and
// how fast it may come. Types only; the per-core table that enforces them is ClientLimiter.
#pragma once

#include <cstdint>
#include <optional>

#include "engine/common/counter.h"
#include "engine/net/address_allow_list.h"

namespace tollgate::net {

struct ClientLimits {
  uint32_t max_connections = 0;         // connections one client address holds at once; 0: no limit
  uint32_t connections_per_second = 0;  // new connections per client address; 0: no limit
  uint32_t requests_per_second = 0;     // HTTP requests per client address; 0: no limit
  // What each rate allows at once after a quiet spell (a token bucket's depth); 0: one second's worth.
  uint32_t burst = 0;
  // Clients never limited (a trusted L4 balancer or monitoring in front); none: nobody is exempt.
  std::optional<AddressAllowList> exempt;
  // Client addresses tracked per core and listener. When all are busy holding connections, a new client
  // is let through untracked (counted as untracked): refusing it would let a few clients lock out everybody.
  uint32_t tracked_clients = 16384;

  bool enabled() const { return max_connections || connections_per_second || requests_per_second; }
  bool operator==(const ClientLimits&) const = default;
};

struct ClientLimitCounters {
  Counter connections_refused;  // over max_connections (reset at the SYN, or at accept if it raced)
  Counter connections_rated;    // over connections_per_second (likewise)
  Counter requests_limited;     // over requests_per_second (429 with Retry-After)
  Counter untracked;            // let through because the table had no room
  // The latest client each refusal turned away (0.0.0.0: none yet): the worker publishes them with the
  // counters, for the control plane's sampled log line. Plain fields: only the owning core reads them.
  Ipv4Address last_connections_refused;
  Ipv4Address last_connections_rated;
  Ipv4Address last_requests_limited;
};

}  // namespace tollgate::net
