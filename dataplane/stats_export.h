// How a worker's own counters map onto its stats block in the shared segment. The worker keeps counting
// where it always has (WorkerStats, the TCP, TLS and HTTP proxies' counters, the upstream pools'); on its
// 10 ms timer tick it copies them into its core's block with these functions, so the per-packet and
// per-request paths write nothing more than before and the segment is at most one tick behind. Every
// function sets (never adds): the worker is the block's only writer, and a copy is idempotent.
#pragma once

#include <cstdint>
#include <span>

#include "dataplane/worker_stats.h"
#include "engine/proxy/http_proxy.h"
#include "engine/proxy/tcp_proxy.h"
#include "engine/proxy/tls_terminator.h"
#include "engine/proxy/upstream_pools.h"
#include "engine/shm/stats_types.h"
#include "engine/tcp/types.h"

namespace tollgate::dataplane {

// The core's poll loop. ConfigAdoptions is left alone: WorkerPort::adopted counts it in place.
void export_core(const WorkerStats& s, shm::CoreStats& out);

// A listener's layers, as far as it has them: tcp = l4; tls = tls + l4; http = http; https = tls + http.
struct ListenerSources {
  const proxy::ProxyCounters* l4 = nullptr;        // the L4 forwarding of tcp and tls listeners
  const proxy::TlsCounters* tls = nullptr;         // the TLS layer of tls and https listeners
  const proxy::HttpProxyCounters* http = nullptr;  // the HTTP proxy of http and https listeners
  uint64_t active = 0;                             // client connections open now (outermost layer)
  // The listener's per-client limits (null: none): the HTTP proxy's for http/https, the L4 proxy's for
  // tcp/tls.
  const net::ClientLimitCounters* limits = nullptr;
};
void export_listener(const ListenerSources& s, shm::ListenerStats& out);

// The latest refused client per reason a listener's layers know of (0: none), by RefusalReason; the
// allow-list's comes from the stack's listener (GenerationSet).
using RefusalAddresses = std::array<uint32_t, shm::kRefusalReasons>;
void sample_refusals(const ListenerSources& s, RefusalAddresses& out);

// The core's defences (DefenceCounter). The TCP stack's counters outlive generations and are set; the
// proxies' and TLS layers' are added, one call per object, into a block summed the way listeners are.
void export_tcp_defences(const tcp::TcpCounters& t, shm::DefenceStats& out);
void add_l4_defences(const proxy::ProxyCounters& c, shm::DefenceStats& out);
void add_http_defences(const proxy::HttpProxyCounters& c, shm::DefenceStats& out);
void add_tls_defences(const proxy::TlsCounters& c, shm::DefenceStats& out);

void export_rule(const proxy::RuleCounters& c, shm::RuleStats& out);

// `open`: connections from this core to the target now.
void export_target(const proxy::TargetCounters& c, uint64_t open, shm::TargetStats& out);
// A pool's requests, timeouts, connect failures and latency are its targets' sums: `targets` are its
// targets' blocks, already exported this tick.
void export_pool(const proxy::PoolCounters& c, std::span<const shm::TargetStats> targets,
                 shm::PoolStats& out);
// The two halves of export_pool: the pool's own counters, and the sums over its targets.
void export_pool_counters(const proxy::PoolCounters& c, shm::PoolStats& out);
// A tcp/tls listener's target choices that found no healthy target (fail_open) or none at all (no_target).
void export_l4_pool_counters(const proxy::ProxyCounters& c, shm::PoolStats& out);
void sum_pool_targets(std::span<const shm::TargetStats> targets, shm::PoolStats& out);

// While a core runs two config generations (the older draining), an entity's block is the sum of what
// each generation's objects counted, plus what objects already freed had counted: these add blocks that are
// not in the segment (the worker's own) before the sum is set into the segment.
template <typename E>
void clear(shm::EntityStats<E>& s) {
  for (Counter& c : s.counters) c.set(0);
  for (Counter& b : s.latency.buckets) b.set(0);
  s.latency.sum_us.set(0);
}
template <typename E>
void accumulate(const shm::EntityStats<E>& from, shm::EntityStats<E>& to) {
  for (size_t i = 0; i < from.counters.size(); ++i)
    to.counters[i].set(to.counters[i].get() + from.counters[i].get());
  for (size_t b = 0; b < from.latency.buckets.size(); ++b)
    to.latency.buckets[b].set(to.latency.buckets[b].get() + from.latency.buckets[b].get());
  to.latency.sum_us.set(to.latency.sum_us.get() + from.latency.sum_us.get());
}
template <typename E>
void assign(const shm::EntityStats<E>& from, shm::EntityStats<E>& to) {
  for (size_t i = 0; i < from.counters.size(); ++i) to.counters[i].set(from.counters[i].get());
  for (size_t b = 0; b < from.latency.buckets.size(); ++b)
    to.latency.buckets[b].set(from.latency.buckets[b].get());
  to.latency.sum_us.set(from.latency.sum_us.get());
}

}  // namespace tollgate::dataplane
