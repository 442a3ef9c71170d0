#include "dataplane/stats_export.h"

#include <algorithm>

namespace tollgate::dataplane {
namespace {

void copy(const shm::LatencyHistogram& from, shm::LatencyHistogram& to) {
  for (size_t b = 0; b < shm::kLatencyBuckets; ++b) to.buckets[b].set(from.buckets[b].get());
  to.sum_us.set(from.sum_us.get());
}

// Responses 1xx..5xx from a [1..5] array into the five consecutive counters starting at `first`.
template <typename E>
void set_classes(const std::array<Counter, 6>& by_class, E first, shm::EntityStats<E>& out) {
  for (size_t k = 1; k <= 5; ++k) out.counters[static_cast<size_t>(first) + k - 1].set(by_class[k].get());
}

}  // namespace

void export_core(const WorkerStats& s, shm::CoreStats& out) {
  using C = shm::CoreCounter;
  out[C::kIterationsBusy].set(s.iterations_busy.get());
  out[C::kIterationsIdle].set(s.iterations_idle.get());
  out[C::kCyclesBusy].set(s.cycles_busy.get());
  out[C::kCyclesIdle].set(s.cycles_idle.get());
  out[C::kPackets].set(s.packets.get());
  out[C::kRxPackets].set(s.rx_packets.get());
  out[C::kRxBytes].set(s.rx_bytes.get());
  out[C::kTxPackets].set(s.tx_packets.get());
  out[C::kTxBytes].set(s.tx_bytes.get());
  uint64_t drops = 0;
  for (const Counter& d : s.l2l3.drops) drops += d.get();
  out[C::kDrops].set(drops);
}

void export_listener(const ListenerSources& s, shm::ListenerStats& out) {
  using L = shm::ListenerCounter;
  out[L::kConnectionsActive].set(s.active);
  uint64_t timeouts = 0;
  if (s.l4) {
    out[L::kConnectionsTotal].set(s.l4->sessions.get());
    out[L::kBytesIn].set(s.l4->bytes_to_backend.get());
    out[L::kBytesOut].set(s.l4->bytes_to_client.get());
    timeouts += s.l4->idle_timeouts.get();
  }
  if (s.http) {
    const proxy::HttpProxyCounters& h = *s.http;
    out[L::kConnectionsTotal].set(h.connections.get());
    out[L::kRequests].set(h.requests.get());
    set_classes(h.responses_by_class, L::kResponses1xx, out);
    out[L::kBytesIn].set(h.bytes_from_clients.get());
    out[L::kBytesOut].set(h.bytes_to_clients.get());
    timeouts += h.local_errors[static_cast<size_t>(proxy::LocalStatus::k408)].get() +
                h.local_errors[static_cast<size_t>(proxy::LocalStatus::k504)].get();
    copy(h.request_time, out.latency);
  }
  if (s.tls) {
    // Connections are counted where they are accepted: in front of the L4 or HTTP layer.
    const proxy::TlsCounters& t = *s.tls;
    out[L::kConnectionsTotal].set(t.sessions.get());
    out[L::kTlsHandshakesFull].set(t.handshakes.get() - t.handshakes_resumed.get());
    out[L::kTlsHandshakesResumed].set(t.handshakes_resumed.get());
    out[L::kTlsHandshakeFailures].set(t.handshake_failures.get());
    for (size_t r = 0; r < std::min(t.failures_by_reason.size(), shm::kTlsFailureReasons); ++r)
      out[shm::tls_failure_counter(r)].set(t.failures_by_reason[r].get());
    timeouts += t.handshake_timeouts.get();
  }
  out[L::kTimeouts].set(timeouts);
}

void export_rule(const proxy::RuleCounters& c, shm::RuleStats& out) {
  using R = shm::RuleCounter;
  out[R::kMatches].set(c.matches.get());
  out[R::kFixedResponses].set(c.fixed_responses.get());
  out[R::kRedirects].set(c.redirects.get());
  out[R::kForwarded].set(c.forwarded.get());
}

void export_target(const proxy::TargetCounters& c, uint64_t open, shm::TargetStats& out) {
  using T = shm::TargetCounter;
  out[T::kConnectionsTotal].set(c.connects.get());
  out[T::kConnectionsActive].set(open);
  out[T::kRequests].set(c.requests.get());
  set_classes(c.responses_by_class, T::kResponses1xx, out);
  out[T::kBytesIn].set(c.bytes_received.get());
  out[T::kBytesOut].set(c.bytes_sent.get());
  out[T::kConnectFailures].set(c.connect_failures.get());
  out[T::kTimeouts].set(c.timeouts.get());
  copy(c.response_time, out.latency);
}

void export_pool(const proxy::PoolCounters& c, std::span<const shm::TargetStats> targets,
                 shm::PoolStats& out) {
  export_pool_counters(c, out);
  sum_pool_targets(targets, out);
}

void export_pool_counters(const proxy::PoolCounters& c, shm::PoolStats& out) {
  using P = shm::PoolCounter;
  out[P::kRetries].set(c.retries.get());
  out[P::kNoTarget].set(c.no_target.get());
}

void export_l4_pool_counters(const proxy::ProxyCounters& c, shm::PoolStats& out) {
  using P = shm::PoolCounter;
  out[P::kNoTarget].set(c.no_target.get());
  out[P::kFailOpen].set(c.fail_open.get());
}

void sum_pool_targets(std::span<const shm::TargetStats> targets, shm::PoolStats& out) {
  using P = shm::PoolCounter;
  using T = shm::TargetCounter;
  uint64_t requests = 0, timeouts = 0, failures = 0, sum_us = 0;
  std::array<uint64_t, shm::kLatencyBuckets> buckets{};
  for (const shm::TargetStats& t : targets) {
    requests += t[T::kRequests].get();
    timeouts += t[T::kTimeouts].get();
    failures += t[T::kConnectFailures].get();
    for (size_t b = 0; b < buckets.size(); ++b) buckets[b] += t.latency.buckets[b].get();
    sum_us += t.latency.sum_us.get();
  }
  out[P::kRequests].set(requests);
  out[P::kTimeouts].set(timeouts);
  out[P::kConnectFailures].set(failures);
  for (size_t b = 0; b < buckets.size(); ++b) out.latency.buckets[b].set(buckets[b]);
  out.latency.sum_us.set(sum_us);
}

}  // namespace tollgate::dataplane
