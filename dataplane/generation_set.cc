#include "dataplane/generation_set.h"

#include <algorithm>
#include <atomic>
#include <span>

#include "dataplane/stats_export.h"

namespace tollgate::dataplane {
namespace {

template <typename E>
std::vector<shm::EntityStats<E>> blocks(size_t n) {
  return std::vector<shm::EntityStats<E>>(n);
}

template <typename E>
void assign_all(const std::vector<shm::EntityStats<E>>& from, std::vector<shm::EntityStats<E>>& to) {
  for (size_t i = 0; i < from.size(); ++i) assign(from[i], to[i]);
}

const net::AddressAllowList* allow_list(const ListenerConfig& l) {
  return l.allowed_clients ? &*l.allowed_clients : nullptr;
}

}  // namespace

GenerationSet::GenerationSet(tcp::TcpStack& stack, proxy::TlsTerminator* upstream_tls)
    : stack_(stack), upstream_tls_(upstream_tls) {}

GenerationSet::~GenerationSet() = default;

GenerationSet::Totals GenerationSet::sized_for(const EntityIndex& index) {
  Totals t;
  t.listeners = blocks<shm::ListenerCounter>(index.listeners());
  t.rules = blocks<shm::RuleCounter>(index.rules());
  t.pools = blocks<shm::PoolCounter>(index.pools());
  t.targets = blocks<shm::TargetCounter>(index.targets());
  return t;
}

const EntityMap& GenerationSet::to_current(size_t i) const {
  return i + 1 == live_.size() ? live_[i].generation->index->own() : live_[i].renumbered;
}

bool GenerationSet::start(std::unique_ptr<Generation> first, std::string& error) {
  const DataplaneConfig& c = *first->config;
  const auto listen = [&](uint32_t index, tcp::ListenerHandler* handler) {
    const ListenerConfig& l = c.listeners[index];
    if (stack_.listen(l.address, l.port, handler, l.max_connections, allow_list(l))) return true;
    error =
        "listener '" + l.name + "': cannot listen on " + l.address.to_string() + ":" + std::to_string(l.port);
    return false;
  };
  for (const auto& part : first->l4) {
    if (!listen(part->listener, part->handler())) return false;
  }
  if (first->http) {
    for (HttpListener& l : first->http->listeners) {
      if (!listen(l.config_index, l.handler())) return false;
    }
  }
  carried_ = sized_for(*first->index);
  stage_ = sized_for(*first->index);
  live_.push_back(Live{std::move(first)});
  return true;
}

void GenerationSet::install(const Generation& g) {
  const DataplaneConfig& c = *g.config;
  const auto set = [&](uint32_t index, tcp::ListenerHandler* handler) {
    const ListenerConfig& l = c.listeners[index];
    // The allow-list lives in the config this generation owns: it is adopted with the handler, live.
    stack_.set_handler(l.address, l.port, handler, l.max_connections, allow_list(l));
  };
  for (const auto& part : g.l4) set(part->listener, part->handler());
  if (g.http) {
    for (HttpListener& l : g.http->listeners) set(l.config_index, l.handler());
  }
}

const EntityMap& GenerationSet::adopt(std::unique_ptr<Generation> next, uint64_t now_us) {
  install(*next);
  const uint64_t drain_us = uint64_t{next->config->config_drain_timeout_ms} * 1000;
  // Every older generation's entities in the new numbering, once: its counts and busy targets read it
  // until it retires or a newer generation comes.
  for (Live& l : live_) l.renumbered = map_entities(*l.generation->config, *next->config, *next->index);
  live_.push_back(Live{std::move(next)});
  // Totals carried so far move to the new numbering.
  const size_t previous = live_.size() - 2;
  const EntityMap& m = live_[previous].renumbered;
  Totals moved = sized_for(*current().index);
  for (size_t i = 0; i < carried_.listeners.size() && i < moved.listeners.size(); ++i)
    accumulate(carried_.listeners[i], moved.listeners[i]);
  for (size_t r = 0; r < m.rules.size() && r < carried_.rules.size(); ++r) {
    if (m.rules[r] >= 0) accumulate(carried_.rules[r], moved.rules[static_cast<size_t>(m.rules[r])]);
  }
  for (size_t p = 0; p < m.pools.size() && p < carried_.pools.size(); ++p) {
    if (m.pools[p] >= 0) accumulate(carried_.pools[p], moved.pools[static_cast<size_t>(m.pools[p])]);
  }
  for (size_t t = 0; t < m.targets.size() && t < carried_.targets.size(); ++t) {
    if (m.targets[t] >= 0) accumulate(carried_.targets[t], moved.targets[static_cast<size_t>(m.targets[t])]);
  }
  carried_ = std::move(moved);
  stage_ = sized_for(*current().index);
  // The replaced generation drains what it does not share with the new one.
  drain(previous, now_us);
  live_[previous].deadline_us = now_us + drain_us;
  // Reloads faster than drains: the oldest goes now.
  for (size_t i = 0; live_.size() - i > kMaxGenerations; ++i) live_[i].deadline_us = now_us;
  return m;
}

void GenerationSet::drain(size_t i, uint64_t) {
  Generation& g = *live_[i].generation;
  if (g.http && owns(i, g.http.get())) g.http->drain();
}

bool GenerationSet::owns(size_t i, const L4Listener* part) const {
  if (part->retired) return false;
  for (size_t j = i + 1; j < live_.size(); ++j) {
    for (const auto& p : live_[j].generation->l4) {
      if (p.get() == part) return false;
    }
  }
  return true;
}

bool GenerationSet::owns(size_t i, const HttpSide* side) const {
  if (side->retired) return false;
  for (size_t j = i + 1; j < live_.size(); ++j) {
    if (live_[j].generation->http.get() == side) return false;
  }
  return true;
}

bool GenerationSet::owns(size_t i, const balancing::TargetPool* pool) const {
  for (size_t j = i + 1; j < live_.size(); ++j) {
    for (const auto& p : live_[j].generation->pools) {
      if (p.get() == pool) return false;
    }
  }
  return true;
}

size_t GenerationSet::owned_sessions(size_t i) const {
  const Generation& g = *live_[i].generation;
  size_t n = 0;
  for (const auto& part : g.l4) {
    if (owns(i, part.get())) n += part->sessions();
  }
  if (g.http && owns(i, g.http.get())) n += g.http->sessions();
  return n;
}

size_t GenerationSet::draining_sessions() const {
  size_t n = 0;
  for (size_t i = 0; i + 1 < live_.size(); ++i) n += owned_sessions(i);
  return n;
}

void GenerationSet::run_deferred() {
  for (size_t i = 0; i < live_.size(); ++i) {
    Generation& g = *live_[i].generation;
    if (!g.http || !owns(i, g.http.get())) continue;
    for (HttpListener& l : g.http->listeners) l.proxy->run_deferred();
  }
}

void GenerationSet::flush_tls() {
  for (size_t i = 0; i < live_.size(); ++i) {
    Generation& g = *live_[i].generation;
    for (const auto& part : g.l4) {
      if (owns(i, part.get())) part->flush();
    }
    if (g.http && owns(i, g.http.get())) {
      for (HttpListener& l : g.http->listeners) {
        if (l.tls) l.tls->flush();
      }
    }
  }
  if (!upstream_tls_) return;
  // Opening records on one layer can give another plaintext to seal (a TLS target's response for a TLS
  // client): the listeners run again after the targets' layer so such bytes leave in the same iteration.
  upstream_tls_->flush();
  for (size_t i = 0; i < live_.size(); ++i) {
    Generation& g = *live_[i].generation;
    if (!g.http || !owns(i, g.http.get())) continue;
    for (HttpListener& l : g.http->listeners) {
      if (l.tls && l.tls->pending()) l.tls->flush();
    }
  }
  if (upstream_tls_->pending()) upstream_tls_->flush();
}

void GenerationSet::close(size_t i, bool hard) {
  Generation& g = *live_[i].generation;
  for (const auto& part : g.l4) {
    if (owns(i, part.get())) part->abort_all();
  }
  if (g.http && owns(i, g.http.get())) g.http->close_all(hard);
}

void GenerationSet::expire(uint64_t now_us) {
  for (size_t i = 0; i < live_.size(); ++i) {
    Generation& g = *live_[i].generation;
    for (const auto& part : g.l4) {
      if (owns(i, part.get())) part->expire(now_us);
    }
    if (g.http && owns(i, g.http.get())) g.http->expire(now_us);
  }
  for (size_t i = 0; i + 1 < live_.size();) {
    Live& l = live_[i];
    if (l.phase == 0 && now_us >= l.deadline_us) {
      close(i, false);
      l.phase = 1;
      l.hard_us = now_us + kHardCloseUs;
    } else if (l.phase == 1 && now_us >= l.hard_us) {
      close(i, true);
      l.phase = 2;
    }
    if (owned_sessions(i) == 0) {
      retire(i);  // removes live_[i]
      continue;
    }
    ++i;
  }
}

void GenerationSet::retire(size_t i) {
  add_counts(i, carried_, carried_defences_);
  Generation& g = *live_[i].generation;
  for (const auto& part : g.l4) {
    if (owns(i, part.get())) part->retired = true;
  }
  if (g.http && owns(i, g.http.get())) g.http->retired = true;
  retired_.push_back(std::move(live_[i].generation));
  live_.erase(live_.begin() + static_cast<std::ptrdiff_t>(i));
}

std::unique_ptr<Generation> GenerationSet::take_retired() {
  if (retired_.empty()) return nullptr;
  std::unique_ptr<Generation> g = std::move(retired_.back());
  retired_.pop_back();
  return g;
}

uint32_t GenerationSet::older_busy(uint32_t target) const {
  uint32_t n = 0;
  for (size_t i = 0; i + 1 < live_.size(); ++i) {
    const Generation& g = *live_[i].generation;
    const EntityMap& m = to_current(i);
    // Requests in flight and L4 sessions, once per TargetPool: the newest generation holding it counts it.
    for (uint32_t p = 0; p < g.pools.size(); ++p) {
      const balancing::TargetPool& pool = *g.pools[p];
      if (!owns(i, &pool)) continue;
      const uint32_t base = g.index->first_target(p);
      for (int t = 0; t < pool.size(); ++t) {
        const size_t seg = base + static_cast<size_t>(t);
        if (seg < m.targets.size() && m.targets[seg] == static_cast<int32_t>(target))
          n += pool.target(t).outstanding;
      }
    }
    if (!g.http || !owns(i, g.http.get())) continue;
    const HttpSide& side = *g.http;
    const proxy::UpstreamPools& u = *side.upstreams;
    for (uint32_t p = 0; p < u.size(); ++p) {
      const uint32_t base = side.index->first_target(p);
      for (int t = 0; t < u.targets(p).size(); ++t) {
        const size_t seg = base + static_cast<size_t>(t);
        if (seg >= m.targets.size() || m.targets[seg] != static_cast<int32_t>(target)) continue;
        n += u.open_connections(p, t);
      }
    }
  }
  return n;
}

void GenerationSet::add_counts(size_t i, Totals& into, shm::DefenceStats& defences,
                               std::vector<RefusalAddresses>* samples) {
  Generation& g = *live_[i].generation;
  // Listener `index`'s counters from `sources`, and its latest refused clients when sampling.
  const auto add_listener = [&](uint32_t index, const ListenerSources& sources) {
    if (index >= into.listeners.size()) return;
    clear(scratch_listener_);
    export_listener(sources, scratch_listener_);
    accumulate(scratch_listener_, into.listeners[index]);
    if (samples && index < samples->size()) sample_refusals(sources, (*samples)[index]);
  };
  for (const auto& part : g.l4) {
    if (!owns(i, part.get()) || part->listener >= into.listeners.size()) continue;
    if (part->tcp) {
      const net::ClientLimiter* limiter = part->tcp->client_limiter();
      add_listener(part->listener, {&part->tcp->counters(), nullptr, nullptr, part->tcp->sessions_active(),
                                    limiter ? &limiter->counters() : nullptr});
    } else {
      const net::ClientLimiter* limiter = part->tls->client_limiter();
      add_listener(part->listener, {&part->tls->forwarding(), &part->tls->counters(), nullptr,
                                    part->tls->sessions_active(), limiter ? &limiter->counters() : nullptr});
      add_tls_defences(part->tls->counters(), defences);
    }
    add_l4_defences(part->forwarder().counters(), defences);
    // Its pool's fail_open and no_target, to the pool of the same name in the current numbering.
    const proxy::ProxyCounters& l4 = part->forwarder().counters();
    if (l4.fail_open.get() == 0 && l4.no_target.get() == 0) continue;
    const int32_t own_pool = g.index->listener_pool(part->listener);
    const std::vector<int32_t>& pools = to_current(i).pools;
    if (own_pool < 0 || static_cast<size_t>(own_pool) >= pools.size()) continue;
    const int32_t pool = pools[static_cast<size_t>(own_pool)];
    if (pool < 0 || static_cast<size_t>(pool) >= into.pools.size()) continue;
    clear(scratch_pool_);
    export_l4_pool_counters(l4, scratch_pool_);
    accumulate(scratch_pool_, into.pools[static_cast<size_t>(pool)]);
  }
  if (!g.http || !owns(i, g.http.get())) return;
  const HttpSide& side = *g.http;
  const EntityMap& m = to_current(i);
  for (const HttpListener& l : side.listeners) {
    const proxy::HttpProxy& p = *l.proxy;
    const size_t active = l.tls ? l.tls->sessions_active() : p.sessions_active();
    const net::ClientLimiter* limiter = p.client_limiter();
    add_listener(l.config_index, {nullptr, l.tls ? &l.tls->counters() : nullptr, &p.counters(), active,
                                  limiter ? &limiter->counters() : nullptr});
    add_http_defences(p.counters(), defences);
    if (l.tls) add_tls_defences(l.tls->counters(), defences);
    const std::span<const proxy::RuleCounters> rules = p.rule_counters();
    const std::vector<uint32_t>& index = side.index->rule_slots(l.config_index);
    for (size_t r = 0; r < rules.size() && r < index.size(); ++r) {
      const uint32_t seg = index[r];
      if (seg >= m.rules.size() || m.rules[seg] < 0) continue;
      clear(scratch_rule_);
      export_rule(rules[r], scratch_rule_);
      accumulate(scratch_rule_, into.rules[static_cast<size_t>(m.rules[seg])]);
    }
  }
  const proxy::UpstreamPools& u = *side.upstreams;
  for (uint32_t pool = 0; pool < u.size(); ++pool) {
    const uint32_t base = side.index->first_target(pool);
    const int n = u.targets(pool).size();
    for (int t = 0; t < n; ++t) {
      const size_t seg = base + static_cast<size_t>(t);
      if (seg >= m.targets.size() || m.targets[seg] < 0) continue;
      clear(scratch_target_);
      export_target(u.target_counters(pool, t), u.open_connections(pool, t), scratch_target_);
      accumulate(scratch_target_, into.targets[static_cast<size_t>(m.targets[seg])]);
    }
    if (pool >= m.pools.size() || m.pools[pool] < 0) continue;
    clear(scratch_pool_);
    export_pool_counters(u.pool_counters(pool), scratch_pool_);
    accumulate(scratch_pool_, into.pools[static_cast<size_t>(m.pools[pool])]);
  }
}

void GenerationSet::export_stats(const shm::CoreView& v) {
  assign_all(carried_.listeners, stage_.listeners);
  assign_all(carried_.rules, stage_.rules);
  assign_all(carried_.pools, stage_.pools);
  assign_all(carried_.targets, stage_.targets);
  assign(carried_defences_, stage_defences_);
  const DataplaneConfig& c = *current().config;
  samples_.assign(c.listeners.size(), RefusalAddresses{});
  // Oldest first: a listener's latest refused clients are the newest generation's that has any.
  for (size_t i = 0; i < live_.size(); ++i) add_counts(i, stage_, stage_defences_, &samples_);
  // A pool's target-derived counters are the sums over its targets in the current config.
  const EntityIndex& index = *current().index;
  for (uint32_t p = 0; p < index.pools(); ++p) {
    sum_pool_targets(std::span<const shm::TargetStats>(stage_.targets.data() + index.first_target(p),
                                                       index.pool_targets(p)),
                     stage_.pools[p]);
  }
  // SYNs denied by an allow-list are counted by the stack's listener, which outlives generations.
  for (size_t i = 0; i < stage_.listeners.size() && i < c.listeners.size(); ++i) {
    const tcp::Listener* l = stack_.listener(c.listeners[i].address, c.listeners[i].port);
    stage_.listeners[i][shm::ListenerCounter::kConnectionsDenied].set(l ? l->denied : 0);
    if (l && l->last_denied)
      samples_[i][static_cast<size_t>(shm::RefusalReason::kAllowedClients)] = l->last_denied;
  }
  export_tcp_defences(stack_.counters(), stage_defences_);
  // The samples first, then the counts (release): a reader that sees a count move sees an address at least
  // as recent. An address stays until a newer one replaces it.
  for (size_t i = 0; i < samples_.size() && i < v.capacities.listeners; ++i) {
    for (size_t r = 0; r < shm::kRefusalReasons; ++r) {
      if (samples_[i][r]) v.refusals[i].latest[r].store(samples_[i][r], std::memory_order_relaxed);
    }
  }
  std::atomic_thread_fence(std::memory_order_release);
  assign(stage_defences_, *v.defences);
  for (size_t i = 0; i < stage_.listeners.size(); ++i) assign(stage_.listeners[i], v.listeners[i]);
  for (size_t i = 0; i < stage_.rules.size(); ++i) assign(stage_.rules[i], v.rules[i]);
  for (size_t i = 0; i < stage_.pools.size(); ++i) assign(stage_.pools[i], v.pools[i]);
  for (size_t i = 0; i < stage_.targets.size(); ++i) assign(stage_.targets[i], v.targets[i]);
}

GenerationSet::ReplacedContext GenerationSet::replace_context(uint32_t index,
                                                              std::unique_ptr<tls::ServerContext> fresh) {
  const auto swap_into = [&fresh](std::unique_ptr<tls::ServerContext>& held, proxy::TlsTerminator& tls) {
    tls.set_context(*fresh);
    ReplacedContext old{std::move(held), tls.handshake_timeout_us()};
    held = std::move(fresh);
    return old;
  };
  Generation& g = current();
  for (const auto& part : g.l4) {
    if (part->listener == index && part->tls) return swap_into(part->context, part->tls->terminator());
  }
  if (g.http) {
    for (HttpListener& l : g.http->listeners) {
      if (l.config_index == index && l.tls) return swap_into(l.context, *l.tls);
    }
  }
  return {};
}

}  // namespace tollgate::dataplane
