#include "dataplane/generation.h"

#include <fmt/format.h>

#include <algorithm>
#include <random>

#include "config/config_compat.h"
#include "config/config_http.h"

namespace tollgate::dataplane {
namespace {

// Keys the per-client tables' hashing: unknown to clients, different per core and generation.
uint64_t client_hash_key(uint64_t now_us, uint32_t core) {
  std::random_device device;
  return ((uint64_t{device()} << 32) ^ device() ^ now_us) * 0x9e3779b97f4a7c15ull + core;
}

bool is_http(const ListenerConfig& l) {
  return l.protocol == ListenerProtocol::kHttp || l.protocol == ListenerProtocol::kHttps;
}

std::vector<proxy::Target> pool_targets(const DataplaneConfig& config, const std::string& pool) {
  std::vector<proxy::Target> targets;
  for (const PoolConfig& p : config.pools) {
    if (p.name != pool) continue;
    for (const PoolConfig::Target& t : p.targets) targets.push_back({t.address, t.port});
  }
  return targets;
}

Result<std::unique_ptr<tls::ServerContext>> server_context(const ListenerConfig& l,
                                                           std::shared_ptr<tls::TicketKeyRing> tickets) {
  std::vector<tls::CertificateFiles> files;
  for (const CertificateConfig& c : l.certificates) files.push_back({c.chain, c.key});
  const tls::SecurityPolicy policy =
      l.security_policy == "tls13-only" ? tls::SecurityPolicy::kTls13Only : tls::SecurityPolicy::kDefault;
  std::string why;
  auto context = tls::ServerContext::create(files, policy, why, std::move(tickets));
  if (!context) return Error{fmt::format("listener '{}': {}", l.name, why)};
  return context;
}

// A pool's balancing on one core: the config's targets, weights and algorithm, every target in rotation
// until the health applier says otherwise.
std::shared_ptr<balancing::TargetPool> target_pool(const PoolConfig& p, uint64_t seed) {
  std::vector<balancing::TargetState> states;
  for (const PoolConfig::Target& t : p.targets) states.push_back({t.address, t.port, t.weight});
  return std::make_shared<balancing::TargetPool>(std::move(states), p.algorithm, seed);
}

// The running generation's balancing of `pool` when the pool keeps its name, targets and algorithm (the
// condition same_l4_listener puts on a kept listener's pool); null otherwise.
std::shared_ptr<balancing::TargetPool> kept_pool(const Generation* running, const PoolConfig& pool) {
  if (!running) return nullptr;
  const std::vector<PoolConfig>& before = running->config->pools;
  for (size_t j = 0; j < before.size() && j < running->pools.size(); ++j) {
    if (before[j].name != pool.name) continue;
    if (before[j].targets == pool.targets && before[j].algorithm == pool.algorithm) return running->pools[j];
    return nullptr;
  }
  return nullptr;
}

Result<std::shared_ptr<L4Listener>> build_l4(const CoreResources& core, const Generation& g, uint32_t index,
                                             std::shared_ptr<tls::TicketKeyRing> tickets) {
  const DataplaneConfig& config = *g.config;
  const ListenerConfig& l = config.listeners[index];
  auto part = std::make_shared<L4Listener>();
  part->listener = index;
  const net::Ipv4Address source = backend_source(core.ports, pool_targets(config, l.pool));
  const int32_t pool = g.index->listener_pool(index);
  // A validated config names an existing pool; otherwise the listener has no target (its clients reset).
  part->targets = pool >= 0 ? g.pools[static_cast<size_t>(pool)] : target_pool(PoolConfig{}, 0);
  if (l.protocol == ListenerProtocol::kTcp) {
    part->tcp = std::make_unique<proxy::TcpProxy>(*core.stack, source, *part->targets, core.max_sessions,
                                                  *core.now_us, uint64_t{l.idle_timeout_ms} * 1000);
    part->tcp->set_client_limits(l.client_limits, client_hash_key(*core.now_us, core.core));
    return part;
  }
  auto context = server_context(l, std::move(tickets));
  if (!context) return Error{context.error()};
  part->context = std::move(context.value());
  part->tls = std::make_unique<proxy::TlsProxy>(
      *core.stack, *core.aead, *part->context, source, *part->targets, core.max_sessions, *core.now_us,
      uint64_t{l.handshake_timeout_ms} * 1000, uint64_t{l.idle_timeout_ms} * 1000);
  part->tls->terminator().set_max_handshakes(l.max_handshakes);
  part->tls->set_client_limits(l.client_limits, client_hash_key(*core.now_us, core.core));
  return part;
}

Result<std::shared_ptr<HttpSide>> build_http(
    const CoreResources& core, std::shared_ptr<const DataplaneConfig> shared,
    std::shared_ptr<const EntityIndex> index,
    const std::vector<std::shared_ptr<balancing::TargetPool>>& targets, uint64_t number,
    const std::vector<std::shared_ptr<tls::TicketKeyRing>>& tickets, uint64_t now_us,
    int64_t unix_offset_us) {
  const DataplaneConfig& config = *shared;
  auto side = std::make_shared<HttpSide>();
  side->config = shared;
  side->index = std::move(index);
  side->targets = targets;
  std::vector<proxy::UpstreamPoolSettings> pools;
  for (size_t k = 0; k < config.pools.size(); ++k) {
    const PoolConfig& pc = config.pools[k];
    proxy::UpstreamPoolSettings p;
    p.name = pc.name;
    p.targets = side->targets[k].get();
    p.source = backend_source(core.ports, pool_targets(config, pc.name));
    p.max_idle_per_target = pc.max_idle_per_target;
    p.idle_timeout_us = uint64_t{pc.idle_timeout_ms} * 1000;
    p.connect_timeout_us = uint64_t{pc.connect_timeout_ms} * 1000;
    p.response_timeout_us = uint64_t{pc.response_timeout_ms} * 1000;
    side->pool_tls.emplace_back();
    if (pc.tls.enabled) {
      std::string why;
      side->pool_tls.back() = tls::ClientContext::create(client_settings(pc.tls), why);
      if (!side->pool_tls.back()) return Error{fmt::format("pool '{}': tls: {}", pc.name, why)};
      if (!core.upstream_tls)
        return Error{fmt::format("pool '{}': tls: this core has no TLS layer", pc.name)};
      p.tls = side->pool_tls.back().get();
    }
    pools.push_back(std::move(p));
  }
  side->upstreams = std::make_unique<proxy::UpstreamPools>(*core.stack, core.upstream_tls, std::move(pools),
                                                           core.max_sessions, *core.now_us);
  for (size_t i = 0; i < config.listeners.size(); ++i) {
    const ListenerConfig& l = config.listeners[i];
    if (!is_http(l)) continue;
    const bool https = l.protocol == ListenerProtocol::kHttps;
    HttpListener listener;
    listener.config_index = static_cast<uint32_t>(i);
    auto table = routing::RouteTable::compile(l.rules, *l.default_action);
    if (!table) return Error{fmt::format("listener '{}': {}", l.name, table.error())};
    listener.routes = std::make_unique<routing::RouteTable>(std::move(table.value()));
    auto scratch = routing::RouteScratch::for_table(*listener.routes);
    if (!scratch) return Error{fmt::format("listener '{}': {}", l.name, scratch.error())};
    proxy::HttpListenerSettings settings;
    settings.name = l.name;
    settings.https = https;
    settings.port = l.port;
    settings.routes = listener.routes.get();
    settings.hsts = l.hsts;
    settings.limits.max_head_bytes = l.max_head_bytes;
    settings.limits.max_body_bytes = l.max_body_bytes;
    settings.normalize_path = l.normalize_path;
    settings.xff = l.xff;
    settings.header_timeout_us = uint64_t{l.header_timeout_ms} * 1000;
    settings.idle_timeout_us = uint64_t{l.idle_timeout_ms} * 1000;
    settings.client_limits = l.client_limits;
    settings.core = core.core;
    settings.access_log = core.access_log;
    settings.listener_index = static_cast<uint16_t>(i);
    settings.unix_offset_us = unix_offset_us;
    settings.config_generation = number;
    settings.seed = (now_us * 0x9e3779b97f4a7c15ull) | 1;
    listener.proxy =
        std::make_unique<proxy::HttpProxy>(*core.stack, *side->upstreams, std::move(settings),
                                           std::move(scratch.value()), core.max_sessions, *core.now_us);
    if (https) {
      // TLS ends here and the HTTP proxy reads the plaintext.
      auto context = server_context(l, tickets[i]);
      if (!context) return Error{context.error()};
      listener.context = std::move(context.value());
      listener.tls = std::make_unique<proxy::TlsTerminator>(*core.stack, *core.aead, *listener.context,
                                                            *listener.proxy, core.max_sessions, *core.now_us,
                                                            uint64_t{l.handshake_timeout_ms} * 1000);
      listener.tls->set_max_handshakes(l.max_handshakes);
      listener.tls->set_client_limiter(listener.proxy->client_limiter());
    }
    side->listeners.push_back(std::move(listener));
  }
  return side;
}

}  // namespace

net::Ipv4Address backend_source(const std::vector<net::Ipv4Prefix>& ports,
                                const std::vector<proxy::Target>& targets) {
  net::Ipv4Address source = ports.empty() ? net::Ipv4Address{} : ports[0].address;
  for (const net::Ipv4Prefix& p : ports) {
    if (!targets.empty() && p.contains(targets.front().address)) source = p.address;
  }
  return source;
}

tcp::ListenerHandler* L4Listener::handler() {
  return tcp ? static_cast<tcp::ListenerHandler*>(tcp.get()) : tls.get();
}

proxy::TcpProxy& L4Listener::forwarder() {
  return tcp ? *tcp : tls->forwarder();
}

const proxy::TcpProxy& L4Listener::forwarder() const {
  return tcp ? *tcp : tls->forwarder();
}

size_t L4Listener::sessions() const {
  return tcp ? tcp->sessions_active() : tls->sessions_active() + tls->forwarding_active();
}

void L4Listener::flush() {
  if (tls) tls->flush();
}

void L4Listener::expire(uint64_t now_us) {
  if (tcp) tcp->expire(now_us);
  if (tls) tls->expire(now_us);
}

void L4Listener::abort_all() {
  if (tcp) tcp->abort_all();
  if (tls) tls->abort_all();
}

tcp::ListenerHandler* HttpListener::handler() {
  return tls ? static_cast<tcp::ListenerHandler*>(tls.get()) : proxy.get();
}

size_t HttpSide::sessions() const {
  size_t n = upstreams->open_connections();
  for (const HttpListener& l : listeners)
    n += l.proxy->sessions_active() + (l.tls ? l.tls->sessions_active() : 0);
  return n;
}

void HttpSide::drain() {
  for (HttpListener& l : listeners) l.proxy->drain();
  upstreams->drain();
}

void HttpSide::close_all(bool hard) {
  for (HttpListener& l : listeners) {
    l.proxy->close_all(hard);
    if (hard && l.tls) l.tls->abort_all();  // handshakes still running, streams not yet attached
  }
}

void HttpSide::expire(uint64_t now_us) {
  for (HttpListener& l : listeners) {
    l.proxy->expire(now_us);
    if (l.tls) l.tls->expire(now_us);
  }
  upstreams->expire(now_us);
}

Result<std::unique_ptr<Generation>> build_generation(
    const CoreResources& core, std::shared_ptr<const DataplaneConfig> config, uint64_t number,
    const std::vector<std::shared_ptr<tls::TicketKeyRing>>& tickets, const Generation* running,
    uint64_t now_us, int64_t unix_offset_us) {
  auto g = std::make_unique<Generation>();
  g->number = number;
  g->config = config;
  g->index = std::make_shared<const EntityIndex>(*config);
  uint64_t seed = now_us ^ core.core;
  for (const PoolConfig& pc : config->pools) {
    std::shared_ptr<balancing::TargetPool> kept = kept_pool(running, pc);
    g->pools.push_back(kept ? std::move(kept) : target_pool(pc, seed));
    ++seed;
  }
  for (uint32_t i = 0; i < config->listeners.size(); ++i) {
    const ListenerConfig& l = config->listeners[i];
    if (is_http(l)) continue;
    if (running) {
      const auto kept = std::find_if(running->l4.begin(), running->l4.end(),
                                     [&](const std::shared_ptr<L4Listener>& p) { return p->listener == i; });
      if (kept != running->l4.end() && same_l4_listener(*running->config, *config, i)) {
        g->l4.push_back(*kept);
        continue;
      }
    }
    auto part = build_l4(core, *g, i, i < tickets.size() ? tickets[i] : nullptr);
    if (!part) return Error{part.error()};
    g->l4.push_back(std::move(part.value()));
    ++g->rebuilt;
  }
  if (std::any_of(config->listeners.begin(), config->listeners.end(), is_http)) {
    if (running && running->http && same_http(*running->config, *config)) {
      g->http = running->http;
    } else {
      auto side = build_http(core, config, g->index, g->pools, number, tickets, now_us, unix_offset_us);
      if (!side) return Error{side.error()};
      g->http = std::move(side.value());
      ++g->rebuilt;
    }
  }
  return g;
}

}  // namespace tollgate::dataplane
