#include "dataplane/stats_export.h"

#include <algorithm>

namespace tollgate::dataplane {
namespace {

void copy(const shm::LatencyHistogram& from, shm::LatencyHistogram& to) {
  for (size_t b = 0; b < shm::kLatencyBuckets; ++b) to.buckets[b].set(from.buckets[b].get());
  to.sum_us.set(from.sum_us.get());
}

// A block the worker owns (not the segment): plain read-add-write.
void add(Counter& to, const Counter& from) {
  to.set(to.get() + from.get());
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
    out[L::kTlsHandshakesRefused].set(t.handshakes_refused.get());
  }
  if (s.limits) {
    const net::ClientLimitCounters& k = *s.limits;
    out[L::kClientConnectionsRefused].set(k.connections_refused.get());
    out[L::kClientConnectionsRateLimited].set(k.connections_rated.get());
    out[L::kClientRequestsRateLimited].set(k.requests_limited.get());
    out[L::kClientsUntracked].set(k.untracked.get());
  }
  out[L::kTimeouts].set(timeouts);
}

void sample_refusals(const ListenerSources& s, RefusalAddresses& out) {
  using R = shm::RefusalReason;
  const auto keep = [&out](R r, net::Ipv4Address a) {
    if (a.value) out[static_cast<size_t>(r)] = a.value;
  };
  if (s.limits) {
    keep(R::kClientConnections, s.limits->last_connections_refused);
    keep(R::kClientConnectionRate, s.limits->last_connections_rated);
    keep(R::kClientRequestRate, s.limits->last_requests_limited);
  }
  if (s.tls) keep(R::kMaxHandshakes, s.tls->last_handshake_refused);
}

void export_tcp_defences(const tcp::TcpCounters& t, shm::DefenceStats& out) {
  using D = shm::DefenceCounter;
  out[D::kTcpSynCookiesSent].set(t.syn_cookies_sent.get());
  out[D::kTcpSynCookiesAccepted].set(t.syn_cookies_validated.get());
  out[D::kTcpSynCookiesFailed].set(t.syn_cookies_failed.get());
  out[D::kTcpSynCookiesAtLimit].set(t.syn_cookies_at_limit.get());
  out[D::kTcpListenOverflow].set(t.listen_overflow.get());
  out[D::kTcpZeroWindowResets].set(t.zero_window_timeouts.get());
  out[D::kTcpOutOfOrderRefused].set(t.out_of_order_refused.get());
  out[D::kTcpTinyOutOfOrderRefused].set(t.tiny_out_of_order_refused.get());
  out[D::kTcpReassemblyStalled].set(t.reassembly_stalled.get());
  out[D::kTcpRxCoalesced].set(t.rx_coalesced.get());
  out[D::kTcpSmallMssRaised].set(t.small_mss_raised.get());
  out[D::kTcpNoMemory].set(t.no_memory.get());
  out[D::kTcpSynRefusedPressure].set(t.syn_refused_pressure.get());
  out[D::kTcpRxRefusedPressure].set(t.rx_refused_pressure.get());
  out[D::kTcpOooRefusedPressure].set(t.ooo_refused_pressure.get());
  out[D::kTcpTxHeldPressure].set(t.tx_held_pressure.get());
}

void add_l4_defences(const proxy::ProxyCounters& c, shm::DefenceStats& out) {
  add(out[shm::DefenceCounter::kL4IdleTimeouts], c.idle_timeouts);
}

void add_http_defences(const proxy::HttpProxyCounters& c, shm::DefenceStats& out) {
  using D = shm::DefenceCounter;
  add(out[D::kHttpPipelineDeferred], c.pipeline_deferred);
  add(out[D::kHttpPipelineBackpressure], c.pipeline_backpressure);
  add(out[D::kHttpRequestTimeouts], c.local_errors[static_cast<size_t>(proxy::LocalStatus::k408)]);
  add(out[D::kHttpTransferTimeouts], c.transfer_timeouts);
  add(out[D::kHttpLingerTimeouts], c.linger_timeouts);
}

void add_tls_defences(const proxy::TlsCounters& c, shm::DefenceStats& out) {
  using D = shm::DefenceCounter;
  add(out[D::kTlsHandshakeTimeouts], c.handshake_timeouts);
  add(out[D::kTlsRecordErrors], c.record_errors);
  add(out[D::kTlsPostHandshakeFloods], c.post_handshake_floods);
  add(out[D::kTlsRenegotiationsRefused], c.renegotiations_refused);
  add(out[D::kTlsRenegotiationFloods], c.renegotiation_floods);
  add(out[D::kTlsResetsAfterAlert], c.resets_after_alert);
  add(out[D::kTlsDiscardedAfterClose], c.discarded_after_close);
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
