// What each core counts, per entity, in its stats block of the shared segment. Indices of listeners,
// rules, pools and targets are those of the config generation the core runs (the control plane's config
// assigns them; rules are numbered across all listeners, targets across all pools). Capacities are fixed
// when the segment is made (Capacities in segment_types.h).
#pragma once

#include <cstddef>
#include <cstdint>

#include "engine/shm/entity_stats.h"

namespace tollgate::shm {

// Reasons a TLS handshake failed, by the index the TLS layer gives them (tls::HandshakeFailure); the
// segment keeps room for this many so a new reason does not change the layout.
inline constexpr size_t kTlsFailureReasons = 16;

// Per core: the poll loop. Latency: busy iteration time in microseconds.
enum class CoreCounter : uint16_t {
  kIterationsBusy,
  kIterationsIdle,
  kCyclesBusy,
  kCyclesIdle,
  kPackets,
  kRxPackets,
  kRxBytes,
  kTxPackets,
  kTxBytes,
  kDrops,
  kConfigAdoptions,
  kCount
};

// Per listener. Latency: request start to response end, microseconds.
enum class ListenerCounter : uint16_t {
  kConnectionsTotal,
  kConnectionsActive,  // gauge: each core moves its own share up and down
  kTlsHandshakesFull,
  kTlsHandshakesResumed,
  kTlsHandshakeFailures,
  kRequests,
  kResponses1xx,
  kResponses2xx,
  kResponses3xx,
  kResponses4xx,
  kResponses5xx,
  kBytesIn,
  kBytesOut,
  kTimeouts,
  kConnectionsDenied,   // SYNs reset because the listener's allowed_clients does not hold the source
  kTlsFailureByReason,  // first of kTlsFailureReasons counters: see tls_failure_counter()
  kCount = kTlsFailureByReason + kTlsFailureReasons
};

constexpr ListenerCounter tls_failure_counter(size_t reason) {
  return static_cast<ListenerCounter>(static_cast<size_t>(ListenerCounter::kTlsFailureByReason) +
                                      (reason < kTlsFailureReasons ? reason : kTlsFailureReasons - 1));
}
// kResponses1xx..5xx for a status code (100-599); other codes count as 5xx (we answered something wrong).
template <typename E>
constexpr E response_class_counter(unsigned status, E first_class) {
  const unsigned k = status >= 100 && status < 600 ? status / 100 - 1 : 4;
  return static_cast<E>(static_cast<size_t>(first_class) + k);
}

// Per routing rule. Latency: as the listener's, for requests this rule matched.
enum class RuleCounter : uint16_t { kMatches, kFixedResponses, kRedirects, kForwarded, kCount };

// Per backend pool. Latency: target processing time (request sent to response head), microseconds.
// kNoTarget: no eligible target (HTTP: 503; tcp/tls listeners: the client reset, none in service);
// kFailOpen: a tcp/tls listener found no healthy target and chose an unhealthy one in service.
enum class PoolCounter : uint16_t {
  kRequests,
  kRetries,
  kTimeouts,
  kNoTarget,
  kConnectFailures,
  kFailOpen,
  kCount
};

// Per target. Latency: as the pool's, for this target.
enum class TargetCounter : uint16_t {
  kConnectionsTotal,
  kConnectionsActive,  // gauge
  kRequests,
  kResponses1xx,
  kResponses2xx,
  kResponses3xx,
  kResponses4xx,
  kResponses5xx,
  kBytesIn,
  kBytesOut,
  kConnectFailures,
  kTimeouts,
  kCount
};

using CoreStats = EntityStats<CoreCounter>;
using ListenerStats = EntityStats<ListenerCounter>;
using RuleStats = EntityStats<RuleCounter>;
using PoolStats = EntityStats<PoolCounter>;
using TargetStats = EntityStats<TargetCounter>;

}  // namespace tollgate::shm
