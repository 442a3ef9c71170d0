// The pools (target groups) as one core sees them: target choice (balancing::TargetPool) and keep-alive
// connections to the targets. Shared by every HTTP listener of the core; nothing here is shared across
// cores, so no locks: each core keeps its own idle connections and outstanding-request counts.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/balancing/target_pool.h"
#include "engine/common/counter.h"
#include "engine/net/addresses.h"
#include "engine/proxy/tls_terminator.h"
#include "engine/proxy/upstream.h"
#include "engine/tcp/stack.h"

namespace tollgate::proxy {

struct UpstreamPoolSettings {
  std::string name;
  net::Ipv4Address source;  // our address for connections to the targets (the port on their network)
  std::vector<balancing::TargetState> targets;
  balancing::Algorithm algorithm = balancing::Algorithm::kRoundRobin;
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
  Counter idle_closed;       // idle connections closed (timeout, peer close, over the limit)
};

class UpstreamPools {
 public:
  // `tls` (client role) carries the connections of pools that speak TLS; it may be null when none does.
  UpstreamPools(tcp::TcpStack& stack, TlsTerminator* tls, std::vector<UpstreamPoolSettings> pools,
                uint32_t max_connections, const uint64_t& now_us, uint64_t seed);
  ~UpstreamPools();
  UpstreamPools(const UpstreamPools&) = delete;
  UpstreamPools& operator=(const UpstreamPools&) = delete;

  size_t size() const { return pools_.size(); }
  const UpstreamPoolSettings& settings(uint32_t pool) const { return pools_[pool].settings; }
  balancing::TargetPool& targets(uint32_t pool) { return pools_[pool].targets; }

  // A connection to `target` of `pool` for `owner`: the most recently used idle one, or a new one (not
  // connected yet: upstream_connected follows). nullptr when no connection slot or port is free.
  Upstream* acquire(uint32_t pool, int32_t target, UpstreamOwner* owner);
  // The owner is done with it. Reusable: back to the target's idle list (unless it has unread bytes or
  // the peer closed); otherwise closed. Either way the owner gets no more events.
  void release(Upstream* u, bool reusable);
  // Closes idle connections past their pool's idle timeout. Called by the core's timers.
  void expire(uint64_t now_us);

  size_t idle_connections() const { return idle_; }
  size_t open_connections() const { return open_; }
  const UpstreamCounters& counters() const { return counters_; }

 private:
  friend struct Upstream;
  struct TargetIdle {
    Upstream* head = nullptr;  // most recently used
    Upstream* tail = nullptr;  // oldest: expires first
    uint32_t count = 0;
  };
  struct Pool {
    UpstreamPoolSettings settings;
    balancing::TargetPool targets;
    std::vector<TargetIdle> idle;
  };

  void idle_push(Upstream* u);
  void idle_remove(Upstream* u);
  void close(Upstream* u);       // abort; freed in stream_closed
  void closed(Upstream* u);      // the connection is gone: the slot returns to the free list
  void idle_event(Upstream* u);  // an idle connection got data or FIN: not reusable any more

  tcp::TcpStack& stack_;
  TlsTerminator* tls_;
  std::vector<Pool> pools_;
  uint32_t max_connections_;
  std::vector<std::unique_ptr<Upstream>> slots_;  // grown on demand up to max_connections_, then reused
  std::vector<Upstream*> free_;
  size_t idle_ = 0;
  size_t open_ = 0;
  const uint64_t& now_us_;
  UpstreamCounters counters_;
};

}  // namespace tollgate::proxy
