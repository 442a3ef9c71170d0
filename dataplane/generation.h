// One config generation on one core: the handlers of its listeners and the pools behind them. The main
// lcore builds one per worker from a validated config (build_generation: Hyperscan databases, SSL_CTXs,
// session pools — allocation and milliseconds, never on a worker's fast path) and hands it over; the worker
// installs it at a safe point and runs it until a newer one has taken over and its last connection is gone
// (GenerationSet, generation_set.h). No DPDK.
//
// Parts a new config leaves exactly as they were are not rebuilt: a tcp/tls listener whose settings and
// pool targets are the same, and the HTTP side (every http/https listener and the pools they share) when no
// pool and no HTTP listener changed. The new generation holds the running part itself (shared_ptr: built
// and released by the main lcore, never copied by a worker), so its connections carry on without a drain.
//
// Balancing: one balancing::TargetPool per configured pool per core (Generation::pools), which the HTTP
// side's UpstreamPools and every tcp/tls listener on the pool reference: one rotation, one set of
// outstanding counts (HTTP requests in flight and L4 sessions) and one place health is applied. A pool a new
// config leaves with the same targets and algorithm keeps its TargetPool (shared_ptr, as kept parts), so a
// kept listener still picks from the pool the new generation has, and a draining generation's requests and
// sessions to it count where the current generation's do.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "config/entity_index.h"
#include "engine/common/result.h"
#include "engine/net/addresses.h"
#include "engine/proxy/access_log_ring.h"
#include "engine/proxy/http_proxy.h"
#include "engine/proxy/tcp_proxy.h"
#include "engine/proxy/tls_proxy.h"
#include "engine/proxy/tls_terminator.h"
#include "engine/proxy/upstream_pools.h"
#include "engine/routing/route_table.h"
#include "engine/tcp/stack.h"
#include "engine/tls/aead_engine.h"
#include "engine/tls/client_context.h"
#include "engine/tls/server_context.h"
#include "engine/tls/ticket_keys.h"

namespace tollgate::dataplane {

// What a core lends every generation built for it; all of it outlives the generations.
struct CoreResources {
  tcp::TcpStack* stack = nullptr;
  tls::AeadEngine* aead = nullptr;
  proxy::TlsTerminator* upstream_tls = nullptr;  // the core's client-role TLS layer (pools with tls)
  proxy::AccessLogRing* access_log = nullptr;    // null: no access log
  const uint64_t* now_us = nullptr;              // the worker's clock: read by the objects on the worker only
  uint16_t core = 0;
  std::vector<net::Ipv4Prefix> ports;  // each port's address and prefix, in config order
  uint32_t max_sessions = 0;           // per listener and per core's pools (the TCP table's half)
};

// Connections to targets leave from the address of the port on the first target's network (else the
// first port's).
net::Ipv4Address backend_source(const std::vector<net::Ipv4Prefix>& ports,
                                const std::vector<proxy::Target>& targets);

// A tcp or tls listener on one core.
struct L4Listener {
  uint32_t listener = 0;  // config index
  // Its pool's balancing (Generation::pools); the proxy below references it (so it is declared first, to go
  // last).
  std::shared_ptr<balancing::TargetPool> targets;
  std::unique_ptr<proxy::TcpProxy> tcp;         // tcp
  std::unique_ptr<tls::ServerContext> context;  // tls
  std::unique_ptr<proxy::TlsProxy> tls;         // tls
  bool retired = false;  // worker only: its final counters went into the core's carried totals

  tcp::ListenerHandler* handler();
  // The part that connects to targets (its counters).
  proxy::TcpProxy& forwarder();
  const proxy::TcpProxy& forwarder() const;
  size_t sessions() const;
  void flush();
  void expire(uint64_t now_us);
  void abort_all();
};

// An http or https listener on one core: its rules, its proxy and, for https, its TLS layer.
struct HttpListener {
  uint32_t config_index = 0;
  std::unique_ptr<routing::RouteTable> routes;
  std::unique_ptr<proxy::HttpProxy> proxy;
  std::unique_ptr<tls::ServerContext> context;  // https only
  std::unique_ptr<proxy::TlsTerminator> tls;    // https only

  tcp::ListenerHandler* handler();
};

// Every http/https listener of one core and the pools they share.
struct HttpSide {
  std::shared_ptr<const DataplaneConfig> config;  // what it was built from
  std::shared_ptr<const EntityIndex> index;  // its entities' numbering (the generation's it was built in)
  std::vector<std::unique_ptr<tls::ClientContext>> pool_tls;  // by pool; null for plain ones
  // By pool: Generation::pools of the generation it was built in, which `upstreams` references (so declared
  // before it, to go after).
  std::vector<std::shared_ptr<balancing::TargetPool>> targets;
  std::unique_ptr<proxy::UpstreamPools> upstreams;
  std::vector<HttpListener> listeners;
  bool retired = false;  // worker only, as L4Listener::retired

  // Client connections (both layers of https) and connections to targets still open.
  size_t sessions() const;
  // A newer generation took over: responses close their connections, no upstream connection stays idle.
  void drain();
  void close_all(bool hard);
  void expire(uint64_t now_us);
};

struct Generation {
  uint64_t number = 0;  // the config generation (0: the config the dataplane started with)
  std::shared_ptr<const DataplaneConfig> config;
  std::shared_ptr<const EntityIndex> index;  // config's numbering, made once with the generation
  // By config pool: this core's balancing of it, which every listener on the pool uses (see the top).
  std::vector<std::shared_ptr<balancing::TargetPool>> pools;
  std::vector<std::shared_ptr<L4Listener>> l4;  // the tcp and tls listeners, in config order
  std::shared_ptr<HttpSide> http;               // null without an http/https listener
  size_t rebuilt = 0;                           // parts built anew (the rest came from `running`)
};

// Builds generation `number` of `config` for one core. `tickets[i]`: listener i's session-ticket key ring
// (tls and https listeners). `running`: the generation the core runs, whose unchanged parts are kept
// (null at start). `now_us`: the core's clock now (seeds); `unix_offset_us`: wall clock minus it. Fails
// when a certificate set, a rule set or a pool's TLS settings cannot be used.
Result<std::unique_ptr<Generation>> build_generation(
    const CoreResources& core, std::shared_ptr<const DataplaneConfig> config, uint64_t number,
    const std::vector<std::shared_ptr<tls::TicketKeyRing>>& tickets, const Generation* running,
    uint64_t now_us, int64_t unix_offset_us);

}  // namespace tollgate::dataplane
