#include "controlplane/snapshot_json.h"

#include "controlplane/stats_labels.h"
#include "engine/shm/stats_names.h"

namespace tollgate::controlplane {
namespace {

using nlohmann::json;

json latency_json(const shm::HistogramSnapshot& h) {
  const shm::Percentiles p = shm::latency_percentiles(h);
  return {
      {"count", h.count()}, {"sum_us", h.sum_us}, {"p50_us", p.p50}, {"p90_us", p.p90}, {"p99_us", p.p99}};
}

template <typename E>
json counters_json(const shm::EntityTotals<E>& t, size_t count = shm::kCounterCount<E>) {
  json j = json::object();
  for (size_t i = 0; i < count; ++i) j[std::string(shm::counter_name(static_cast<E>(i)))] = t.counters[i];
  return j;
}

}  // namespace

json snapshot_to_json(const StatsSnapshot& s) {
  json j;
  j["config"] = {{"path", s.config_path},
                 {"generation", s.config_generation},
                 {"adopted", s.config_adopted},
                 {"refused", s.config_refused
                                 ? json{{"generation", s.config_refused}, {"reason", s.config_refused_reason}}
                                 : json(nullptr)}};
  j["segment"] = {{"name", s.segment},
                  {"attached", s.attached},
                  {"dataplane_alive", s.dataplane_alive},
                  {"dataplane_pid", s.dataplane_pid},
                  {"controller_epoch", s.controller_epoch}};
  json cores = json::array();
  for (const CoreSnapshot& c : s.cores) {
    cores.push_back({{"core", c.index},
                     {"running", c.running},
                     {"alive", c.alive},
                     {"adopted_generation", c.adopted_generation},
                     {"health_generation", c.health_generation},
                     {"counters", counters_json(c.totals)},
                     {"defences", counters_json(c.defences)},
                     {"latency", latency_json(c.totals.latency)}});
  }
  j["cores"] = std::move(cores);
  json listeners = json::array();
  for (const ListenerSnapshot& l : s.listeners) {
    listeners.push_back(
        {{"name", l.name},
         {"protocol", l.protocol},
         {"endpoint", l.endpoint},
         {"pool", l.pool},
         {"counters",
          counters_json(l.totals, static_cast<size_t>(shm::ListenerCounter::kTlsFailureByReason))},
         {"tls_failures", tls_failures_by_reason(l.totals)},
         {"latency", latency_json(l.totals.latency)}});
  }
  j["listeners"] = std::move(listeners);
  json rules = json::array();
  for (const RuleSnapshot& r : s.rules) {
    rules.push_back({{"listener", r.listener},
                     {"priority", r.priority},
                     {"action", r.action},
                     {"counters", counters_json(r.totals)},
                     {"latency", latency_json(r.totals.latency)}});
  }
  j["rules"] = std::move(rules);
  json pools = json::array();
  for (const PoolSnapshot& p : s.pools) {
    pools.push_back({{"name", p.name},
                     {"algorithm", p.algorithm},
                     {"targets", p.targets},
                     {"counters", counters_json(p.totals)},
                     {"latency", latency_json(p.totals.latency)}});
  }
  j["pools"] = std::move(pools);
  json targets = json::array();
  for (const TargetSnapshot& t : s.targets) {
    json probes = nullptr;  // null: the pool has no health checks
    if (t.probes.checked) {
      const TargetProbes& p = t.probes;
      probes = {{"health", p.health},
                {"probed", p.probed},
                {"consecutive_successes", p.successes},
                {"consecutive_failures", p.failures},
                {"transitions", p.transitions}};
      if (p.probed) {
        probes["last_outcome"] = p.last_outcome;
        probes["last_status"] = p.last_status;
        probes["last_latency_ms"] = p.last_latency_ms;
      }
    }
    targets.push_back(
        {{"pool", t.pool},
         {"address", t.address},
         {"index", t.index},
         {"state", health_state_name(t.health.state)},
         {"weight", t.health.state == shm::HealthState::kUnknown ? t.config_weight : t.health.weight},
         {"config_weight", t.config_weight},
         {"health_check", std::move(probes)},
         {"counters", counters_json(t.totals)},
         {"latency", latency_json(t.totals.latency)}});
  }
  j["targets"] = std::move(targets);
  json certificates = json::array();
  for (const CertificateSnapshot& c : s.certificates) {
    certificates.push_back({{"listener", c.listener},
                            {"chain", c.chain},
                            {"subject", c.subject},
                            {"serial", c.serial},
                            {"not_after", c.not_after},
                            {"days_left", c.seconds_left / 86400},
                            {"state", c.state},
                            {"warning", c.warning}});
  }
  j["certificates"] = std::move(certificates);
  j["health_transitions"] = s.health_transitions;
  return j;
}

}  // namespace tollgate::controlplane
