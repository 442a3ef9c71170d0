#include "engine/proxy/upstream_pools.h"

namespace tollgate::proxy {

UpstreamPools::UpstreamPools(tcp::TcpStack& stack, TlsTerminator* tls,
                             std::vector<UpstreamPoolSettings> pools, uint32_t max_connections,
                             const uint64_t& now_us)
    : stack_(stack), tls_(tls), pool_counters_(pools.size()), slots_(max_connections), now_us_(now_us) {
  pools_.reserve(pools.size());
  for (auto& settings : pools) {
    const auto n = static_cast<size_t>(settings.targets->size());
    pools_.push_back(Pool{std::move(settings), std::vector<PerTarget>(n)});
  }
}

UpstreamPools::~UpstreamPools() = default;

Upstream* UpstreamPools::acquire(uint32_t pool, int32_t target, UpstreamOwner* owner) {
  Pool& p = pools_[pool];
  PerTarget& idle = p.per_target[static_cast<size_t>(target)];
  if (Upstream* u = idle.head) {
    idle_remove(u);
    u->owner = owner;
    counters_.reuses.add();
    return u;
  }
  Upstream* u = slots_.acquire([this](Upstream& made) { made.pools = this; });
  if (!u) return nullptr;
  const balancing::TargetState& t = p.settings.targets->target(target);
  u->stream = nullptr;
  if (p.settings.tls) {
    u->stream = tls_ ? tls_->connect(p.settings.source, t.address, t.port, *p.settings.tls, *u) : nullptr;
  } else if (tcp::Connection* c = stack_.connect(p.settings.source, t.address, t.port, &u->tcp, now_us_)) {
    u->tcp.attach(stack_, *c, now_us_);
    u->tcp.events = u;
    u->stream = &u->tcp;
  }
  if (!u->stream) {
    slots_.release(*u);
    return nullptr;
  }
  u->owner = owner;
  u->pool = pool;
  u->target = target;
  u->requests = 0;
  u->connected = u->shut = u->end_told = false;
  u->in_use = true;
  u->prev = u->next = nullptr;
  ++open_;
  ++idle.open;
  counters_.connects.add();
  idle.counters.connects.add();
  return u;
}

void UpstreamPools::release(Upstream* u, bool reusable) {
  u->owner = nullptr;
  if (!u->stream) return;
  const PlainStream& s = *u->stream;
  Pool& p = pools_[u->pool];
  const bool clean = u->connected && !s.input_ended() && s.input().bytes() == 0 && !u->shut;
  // A target out of rotation (unhealthy, draining, weight 0) gets no new requests, so a connection kept
  // for it would only delay its drain by the idle timeout.
  const balancing::TargetState& t = p.settings.targets->target(u->target);
  const bool wanted = t.healthy && t.weight > 0;
  if (reusable && clean && wanted && !draining_ &&
      p.per_target[static_cast<size_t>(u->target)].count < p.settings.max_idle_per_target) {
    u->idle_since_us = now_us_;
    idle_push(u);
    return;
  }
  close(u);
}

void UpstreamPools::idle_push(Upstream* u) {
  PerTarget& idle = pools_[u->pool].per_target[static_cast<size_t>(u->target)];
  u->prev = nullptr;
  u->next = idle.head;
  if (idle.head) {
    idle.head->prev = u;
  } else {
    idle.tail = u;
  }
  idle.head = u;
  ++idle.count;
  ++idle_;
  u->idle = true;
}

void UpstreamPools::idle_remove(Upstream* u) {
  PerTarget& idle = pools_[u->pool].per_target[static_cast<size_t>(u->target)];
  (u->prev ? u->prev->next : idle.head) = u->next;
  (u->next ? u->next->prev : idle.tail) = u->prev;
  u->prev = u->next = nullptr;
  --idle.count;
  --idle_;
  u->idle = false;
}

// Abortive: a connection we give up on mid-request must not look like a complete exchange to the
// target, and an idle one has nothing in flight.
void UpstreamPools::close(Upstream* u) {
  if (u->stream) u->stream->abort();  // → stream_closed → closed()
}

void UpstreamPools::closed(Upstream* u) {
  if (!u->in_use) return;
  if (u->idle) idle_remove(u);
  u->stream = nullptr;
  u->owner = nullptr;
  u->in_use = false;
  --open_;
  --pools_[u->pool].per_target[static_cast<size_t>(u->target)].open;
  slots_.release(*u);
}

void UpstreamPools::idle_event(Upstream* u) {
  counters_.idle_closed.add();
  idle_remove(u);
  close(u);
}

void UpstreamPools::close_idle(uint32_t pool, int32_t target) {
  PerTarget& t = pools_[pool].per_target[static_cast<size_t>(target)];
  while (t.tail) idle_event(t.tail);
}

void UpstreamPools::drain() {
  draining_ = true;
  for (uint32_t pool = 0; pool < pools_.size(); ++pool) {
    for (int32_t target = 0; target < static_cast<int32_t>(pools_[pool].per_target.size()); ++target)
      close_idle(pool, target);
  }
}

void UpstreamPools::expire(uint64_t now_us) {
  for (Pool& p : pools_) {
    for (PerTarget& idle : p.per_target) {
      while (idle.tail && now_us - idle.tail->idle_since_us >= p.settings.idle_timeout_us) {
        idle_event(idle.tail);
      }
    }
  }
}

void Upstream::stream_connected() {
  connected = true;
  if (owner) owner->upstream_connected(*this);
}

void Upstream::stream_data() {
  if (!owner) return pools->idle_event(this);  // bytes nobody asked for, or the target closed: stale
  if (stream && stream->input_ended() && !end_told) {
    end_told = true;
    return owner->upstream_peer_closed(*this);
  }
  owner->upstream_data(*this);
}

void Upstream::stream_writable() {
  if (owner) owner->upstream_writable(*this);
}

void Upstream::stream_closed() {
  if (!connected) {
    pools->counters_.connect_failures.add();
    pools->target_counters(pool, target).connect_failures.add();
  }
  UpstreamOwner* o = owner;
  stream = nullptr;
  if (o) o->upstream_closed(*this);
  pools->closed(this);
}

}  // namespace tollgate::proxy
