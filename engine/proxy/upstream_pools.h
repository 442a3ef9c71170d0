// The pools (target groups) as one core sees them: keep-alive connections to the targets, chosen by each
// pool's balancing::TargetPool, which UpstreamPools references and never owns (as TcpProxy does). Shared by
// every HTTP listener of the core; nothing here is shared across cores, so no locks: each core keeps its own
// idle connections and outstanding-request counts.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/balancing/target_pool.h"
#include "engine/common/counter.h"
#include "engine/common/object_pool.h"
#include "engine/net/addresses.h"
#include "engine/proxy/tls_terminator.h"
#include "engine/proxy/upstream.h"
#include "engine/shm/histogram.h"
#include "engine/tcp/stack.h"

namespace tollgate::proxy {

struct UpstreamPoolSettings {
  std::string name;
  net::Ipv4Address source;  // our address for connections to the targets (the port on their network)
  // The pool's targets (addresses, weights, health) and its algorithm; it must outlive the UpstreamPools.
  balancing::TargetPool* targets = nullptr;
  uint32_t max_idle_per_target = 64;          // keep-alive connections kept per target on this core
  uint64_t idle_timeout_us = 60'000'000;      // an idle keep-alive connection is closed after this
  uint64_t connect_timeout_us = 5'000'000;    // SYN to established
  uint64_t response_timeout_us = 60'000'000;  // request sent to response head received (→ 504)
  // HTTPS to the targets (verified against the context's CA bundle and name); nullptr: plain HTTP.
  // Needs the TLS layer given to UpstreamPools.
  const tls::ClientContext* tls = nullptr;
};

struct UpstreamCounters {
  Counter connects;          // new connections opened
  Counter connect_failures;  // refused, reset or timed out before established
  Counter reuses;            // requests sent on a kept-alive connection
  Counter idle_closed;       // idle connections closed (timeout, peer close, over the limit, drain)
};

// One target of a pool as this core's requests saw it. Written by the core that owns the pools; its stats
// export copies them into the shared segment (shm::TargetCounter) on its timer tick.
struct TargetCounters {
  Counter connects;                           // connections opened to it
  Counter connect_failures;                   // refused, reset or timed out before established
  Counter requests;                           // request heads sent to it (a retry counts on its own target)
  std::array<Counter, 6> responses_by_class;  // [1..5]: response heads from it (index 0 unused)
  Counter bytes_sent;                         // request heads and bodies to it
  Counter bytes_received;                     // response heads and bodies from it
  Counter timeouts;                           // connect or response timeouts of requests to it
  shm::LatencyHistogram response_time;        // request head sent to response head received, microseconds
};

// What a pool's requests saw beyond its targets' counters (requests, failures and latency of a pool are the
// sums of its targets').
struct PoolCounters {
  Counter retries;    // a failed request sent again (on another target when there is one)
  Counter no_target;  // no eligible target (all unhealthy, draining or disabled): 503
};

class UpstreamPools {
 public:
  // `tls` (client role) carries the connections of pools that speak TLS; it may be null when none does.
  UpstreamPools(tcp::TcpStack& stack, TlsTerminator* tls, std::vector<UpstreamPoolSettings> pools,
                uint32_t max_connections, const uint64_t& now_us);
  ~UpstreamPools();
  UpstreamPools(const UpstreamPools&) = delete;
  UpstreamPools& operator=(const UpstreamPools&) = delete;

  size_t size() const { return pools_.size(); }
  const UpstreamPoolSettings& settings(uint32_t pool) const { return pools_[pool].settings; }
  balancing::TargetPool& targets(uint32_t pool) { return *pools_[pool].settings.targets; }
  const balancing::TargetPool& targets(uint32_t pool) const { return *pools_[pool].settings.targets; }
  TargetCounters& target_counters(uint32_t pool, int32_t target) {
    return pools_[pool].per_target[static_cast<size_t>(target)].counters;
  }
  const TargetCounters& target_counters(uint32_t pool, int32_t target) const {
    return pools_[pool].per_target[static_cast<size_t>(target)].counters;
  }
  PoolCounters& pool_counters(uint32_t pool) { return pool_counters_[pool]; }
  const PoolCounters& pool_counters(uint32_t pool) const { return pool_counters_[pool]; }
  // Connections open from this core to the target (idle or carrying a request): a drained target is done
  // on this core when this and its outstanding requests are 0.
  uint32_t open_connections(uint32_t pool, int32_t target) const {
    return pools_[pool].per_target[static_cast<size_t>(target)].open;
  }
  // Closes the target's idle keep-alive connections (a drained target keeps none waiting for reuse).
  void close_idle(uint32_t pool, int32_t target);

  // A connection to `target` of `pool` for `owner`: the most recently used idle one, or a new one (not
  // connected yet: upstream_connected follows). nullptr when no connection slot or port is free.
  Upstream* acquire(uint32_t pool, int32_t target, UpstreamOwner* owner);
  // The owner is done with it. Reusable: back to the target's idle list (unless it has unread bytes or
  // the peer closed); otherwise closed. Either way the owner gets no more events.
  void release(Upstream* u, bool reusable);
  // Closes idle connections past their pool's idle timeout. Called by the core's timers.
  void expire(uint64_t now_us);
  // A newer config generation has its own pools: these keep serving the requests in flight, but no
  // connection waits idle any more — the idle ones close now, the rest as their requests end.
  void drain();
  bool draining() const { return draining_; }

  size_t idle_connections() const { return idle_; }
  size_t open_connections() const { return open_; }
  const UpstreamCounters& counters() const { return counters_; }

 private:
  friend struct Upstream;
  // This core's connections to one target: the idle list and how many are open, and its counters.
  struct PerTarget {
    Upstream* head = nullptr;  // idle, most recently used
    Upstream* tail = nullptr;  // idle, oldest: expires first
    uint32_t count = 0;        // idle
    uint32_t open = 0;         // idle or in use
    TargetCounters counters;
  };
  struct Pool {
    UpstreamPoolSettings settings;
    std::vector<PerTarget> per_target;
  };

  void idle_push(Upstream* u);
  void idle_remove(Upstream* u);
  void close(Upstream* u);       // abort; freed in stream_closed
  void closed(Upstream* u);      // the connection is gone: the slot returns to the free list
  void idle_event(Upstream* u);  // an idle connection got data or FIN: not reusable any more

  tcp::TcpStack& stack_;
  TlsTerminator* tls_;
  std::vector<Pool> pools_;
  std::vector<PoolCounters> pool_counters_;  // by pool; apart from Pool, which moves (counters do not)
  ObjectPool<Upstream> slots_;
  size_t idle_ = 0;
  size_t open_ = 0;
  bool draining_ = false;
  const uint64_t& now_us_;
  UpstreamCounters counters_;
};

}  // namespace tollgate::proxy
