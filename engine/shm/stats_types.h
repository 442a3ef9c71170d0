// What each core counts, per entity, in its stats block of the shared segment. Indices of listeners,
// rules, pools and targets are those of the config generation the core runs (the control plane's config
// assigns them; rules are numbered across all listeners, targets across all pools). Capacities are fixed
// when the segment is made (Capacities in segment_types.h).
#pragma once

#include <array>
#include <atomic>
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
  kConnectionsDenied,  // SYNs reset because the listener's allowed_clients does not hold the source
  // Per-client limits (client_limits), counted by the listener that owns the limiter (the HTTP proxy of
  // http/https listeners, the L4 proxy of tcp/tls ones).
  kClientConnectionsRefused,      // over `connections` held at once: reset at accept
  kClientConnectionsRateLimited,  // over `connections_per_second`: reset at accept
  kClientRequestsRateLimited,     // over `requests_per_second`: answered 429 with Retry-After
  kClientsUntracked,              // let through unlimited: the client table had no room
  kTlsHandshakesRefused,          // reset at accept: max_handshakes were in progress on the core
  kTlsFailureByReason,            // first of kTlsFailureReasons counters: see tls_failure_counter()
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

// Why a listener turned a client away, for the control plane's sampled log line (refusal_log.h): each
// core keeps the latest refused address per listener and reason (RefusalSamples), the listener's counter
// for the reason says how many.
enum class RefusalReason : uint8_t {
  kAllowedClients,        // ListenerCounter::kConnectionsDenied
  kClientConnections,     // kClientConnectionsRefused
  kClientConnectionRate,  // kClientConnectionsRateLimited
  kClientRequestRate,     // kClientRequestsRateLimited
  kMaxHandshakes,         // kTlsHandshakesRefused
  kCount
};
inline constexpr size_t kRefusalReasons = static_cast<size_t>(RefusalReason::kCount);

constexpr ListenerCounter refusal_counter(RefusalReason r) {
  switch (r) {
    case RefusalReason::kAllowedClients:
      return ListenerCounter::kConnectionsDenied;
    case RefusalReason::kClientConnections:
      return ListenerCounter::kClientConnectionsRefused;
    case RefusalReason::kClientConnectionRate:
      return ListenerCounter::kClientConnectionsRateLimited;
    case RefusalReason::kClientRequestRate:
      return ListenerCounter::kClientRequestsRateLimited;
    case RefusalReason::kMaxHandshakes:
    case RefusalReason::kCount:
      break;
  }
  return ListenerCounter::kTlsHandshakesRefused;
}

// Per core and listener, written by the worker on its stats tick before the listener's counters (a reader
// that sees a count move sees the address of a refusal at least as recent): the IPv4 address (host order)
// of the latest client refused for each reason; 0 while there was none.
struct alignas(kCacheLine) RefusalSamples {
  std::array<std::atomic<uint32_t>, kRefusalReasons> latest{};
};

// Per core: the defences of the TCP stack and of the client-facing TLS layers, HTTP proxies and L4
// proxies, summed over every listener the core runs (an attack shows here whichever listener it hits; the
// per-listener view is in stats.json). Adding one is an entry here, its name (stats_names.cc) and the line
// that fills it (dataplane/stats_export.cc, export_tcp_defences or add_*_defences); the segment's header
// records each family's counter count, so builds that differ refuse each other's segment (bump kAbiVersion
// too, segment_types.h, to say why).
enum class DefenceCounter : uint16_t {
  // The TCP stack (engine/tcp TcpCounters).
  kTcpSynCookiesSent,
  kTcpSynCookiesAccepted,  // a cookie ACK that checked: a connection made without a half-open entry
  kTcpSynCookiesFailed,
  kTcpSynCookiesAtLimit,  // cookies because half-open entries filled a listener's max_connections
  kTcpListenOverflow,     // SYN refused: the listener at its connection limit
  kTcpZeroWindowResets,   // the peer held a zero window too long
  kTcpOutOfOrderRefused,
  kTcpTinyOutOfOrderRefused,
  kTcpReassemblyStalled,
  kTcpRxCoalesced,  // tiny in-order payloads packed into a shared buffer
  kTcpSmallMssRaised,
  kTcpNoMemory,
  // The global buffer reserve (tcp::BufferPressure): what was held back while buffers were short.
  kTcpSynRefusedPressure,
  kTcpRxRefusedPressure,
  kTcpOooRefusedPressure,
  kTcpTxHeldPressure,
  // L4 (tcp and tls listeners' forwarding).
  kL4IdleTimeouts,
  // HTTP proxies (http and https listeners).
  kHttpPipelineDeferred,
  kHttpPipelineBackpressure,
  kHttpRequestTimeouts,  // 408: a request head or body came too slowly
  kHttpTransferTimeouts,
  kHttpLingerTimeouts,
  // TLS layers of tls and https listeners.
  kTlsHandshakeTimeouts,
  kTlsRecordErrors,
  kTlsPostHandshakeFloods,
  kTlsRenegotiationsRefused,
  kTlsRenegotiationFloods,
  kTlsResetsAfterAlert,
  kTlsDiscardedAfterClose,  // bytes the peer sent after our fatal alert or close_notify
  kCount
};

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
using DefenceStats = EntityStats<DefenceCounter>;

}  // namespace tollgate::shm
