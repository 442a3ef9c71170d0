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

namespace tollgate::dataplane {

// The core's poll loop. ConfigAdoptions is left alone: WorkerPort::adopted counts it in place.
void export_core(const WorkerStats& s, shm::CoreStats& out);

// A listener's layers, as far as it has them: tcp = l4; tls = tls + l4; http = http; https = tls + http.
struct ListenerSources {
  const proxy::ProxyCounters* l4 = nullptr;        // the L4 forwarding of tcp and tls listeners
  const proxy::TlsCounters* tls = nullptr;         // the TLS layer of tls and https listeners
  const proxy::HttpProxyCounters* http = nullptr;  // the HTTP proxy of http and https listeners
  uint64_t active = 0;                             // client connections open now (outermost layer)
};
void export_listener(const ListenerSources& s, shm::ListenerStats& out);

void export_rule(const proxy::RuleCounters& c, shm::RuleStats& out);

// `open`: connections from this core to the target now.
void export_target(const proxy::TargetCounters& c, uint64_t open, shm::TargetStats& out);
// A pool's requests, timeouts, connect failures and latency are its targets' sums: `targets` are its
// targets' blocks, already exported this tick.
void export_pool(const proxy::PoolCounters& c, std::span<const shm::TargetStats> targets,
                 shm::PoolStats& out);

}  // namespace tollgate::dataplane
