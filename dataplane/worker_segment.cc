// The worker's timer-tick work on the shared segment: control (heartbeat, health, commands, config) and
// the copy of every counter into this core's stats block.
#include "dataplane/stats_export.h"
#include "dataplane/worker.h"

namespace tollgate::dataplane {

void Worker::attach_segment(shm::WorkerPort port, const SegmentPlan& plan) {
  // Health probes travel this core's stack; HTTPS ones need the client-role TLS layer (made here if no
  // pool speaks TLS) and a context that does not verify (target-group checks do not).
  if (!aead_) aead_ = std::make_unique<tls::AeadEngine>();
  if (!upstream_tls_) upstream_tls_ = std::make_unique<proxy::TlsTerminator>(*tcp_, *aead_, 1024, now_us_);
  tls::ClientSettings insecure;
  insecure.verify = false;
  std::string why;
  probe_tls_ = tls::ClientContext::create(insecure, why);
  probe_runner_ = std::make_unique<StackProbeRunner>(
      *tcp_, upstream_tls_.get(), probe_tls_.get(),
      [this](net::Ipv4Address target) {
        return backend_source({proxy::Target{target, 0}});
      },
      now_us_);
  segment_ = std::make_unique<SegmentLink>(std::move(port), plan, upstreams_.get(), *probe_runner_);
}

void Worker::segment_tick() {
  segment_->tick.run(now_us_ * 1000);
  publish_stats();
}

void Worker::publish_stats() {
#ifdef TOLLGATE_NO_STATS  // -Dstats=false: no export, to measure what it costs (bench/stats_cost.sh)
  return;
#endif
  const shm::CoreView& v = segment_->port.view();
  const SegmentPlan& plan = segment_->plan;
  export_core(stats_, *v.core);
  for (size_t k = 0; k < proxies_.size(); ++k) {
    const proxy::TcpProxy& p = *proxies_[k];
    export_listener({&p.counters(), nullptr, nullptr, p.sessions_active()}, v.listeners[proxy_listener_[k]]);
  }
  for (size_t k = 0; k < tls_proxies_.size(); ++k) {
    const proxy::TlsProxy& p = *tls_proxies_[k];
    export_listener({&p.forwarding(), &p.counters(), nullptr, p.sessions_active()},
                    v.listeners[tls_proxy_listener_[k]]);
  }
  for (const HttpListener& l : http_listeners_) {
    const proxy::HttpProxy& p = *l.proxy;
    const size_t active = l.tls ? l.tls->sessions_active() : p.sessions_active();
    export_listener({nullptr, l.tls ? &l.tls->counters() : nullptr, &p.counters(), active},
                    v.listeners[l.config_index]);
    const std::span<const proxy::RuleCounters> rules = p.rule_counters();
    const std::vector<uint32_t>& index = plan.rule_index[l.config_index];
    for (size_t r = 0; r < rules.size(); ++r) export_rule(rules[r], v.rules[index[r]]);
  }
  if (!upstreams_) return;
  const proxy::UpstreamPools& u = *upstreams_;
  for (uint32_t pool = 0; pool < u.size(); ++pool) {
    const uint32_t base = plan.target_base[pool];
    const int n = u.targets(pool).size();
    for (int t = 0; t < n; ++t)
      export_target(u.target_counters(pool, t), u.open_connections(pool, t), v.targets[base + t]);
    export_pool(u.pool_counters(pool), {v.targets + base, static_cast<size_t>(n)}, v.pools[pool]);
  }
}

}  // namespace tollgate::dataplane
