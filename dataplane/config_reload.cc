#include "dataplane/config_reload.h"

#include <fmt/format.h>

#include <algorithm>

namespace tollgate::dataplane {
namespace {

int64_t unix_now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

double ms_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

proxy::AccessLogNames names_of(const DataplaneConfig& c) {
  proxy::AccessLogNames names;
  for (const ListenerConfig& l : c.listeners) names.listeners.push_back(l.name);
  for (const PoolConfig& p : c.pools) names.pools.push_back(p.name);
  return names;
}

}  // namespace

Result<std::unique_ptr<Generation>> build_for(
    Worker& w, std::shared_ptr<const DataplaneConfig> config, uint64_t number,
    const std::vector<std::shared_ptr<tls::TicketKeyRing>>& tickets) {
  const uint64_t now = w.clock_us();
  return build_generation(w.resources(), std::move(config), number, tickets, w.current_generation(), now,
                          unix_now_us() - static_cast<int64_t>(now));
}

ConfigReload::ConfigReload(const shm::Segment& segment, std::vector<Worker*> workers,
                           std::shared_ptr<const DataplaneConfig> running, ConfigOverrides overrides,
                           std::vector<std::shared_ptr<tls::TicketKeyRing>> tickets,
                           AccessLogWriter* access_log)
    : inbox_(segment),
      capacities_(segment.capacities()),
      workers_(std::move(workers)),
      running_(std::move(running)),
      overrides_(std::move(overrides)),
      tickets_(std::move(tickets)),
      access_log_(access_log) {}

std::vector<std::string> ConfigReload::poll() {
  std::vector<std::string> log;
  for (Worker* w : workers_) {
    while (std::unique_ptr<Generation> done = w->collect_retired()) {
    }  // freed here, off the worker
  }
  if (pending_) {
    const bool all = std::all_of(workers_.begin(), workers_.end(),
                                 [&](const Worker* w) { return w->adopted_generation() == pending_; });
    if (!all) return log;
    log.push_back(fmt::format(
        "config generation {} adopted by every core, {:.1f} ms after it was seen ({:.1f} ms to read and "
        "build; {} part(s) rebuilt, {} kept); connections of generation {} finish on it",
        pending_, ms_since(noticed_), std::chrono::duration<double, std::milli>(offered_ - noticed_).count(),
        rebuilt_, kept_, running_generation_));
    running_ = std::move(pending_config_);
    running_generation_ = pending_;
    pending_ = 0;
    changed_ = true;
  }
  const uint64_t published = inbox_.published();
  if (published > handled_) take_up(published, log);
  return log;
}

void ConfigReload::refuse(uint64_t generation, const std::string& why, std::vector<std::string>& log) {
  inbox_.refuse(generation, why);
  log.push_back(fmt::format("config generation {} refused: {}; the workers keep generation {}", generation,
                            why, running_generation_));
}

void ConfigReload::take_up(uint64_t generation, std::vector<std::string>& log) {
  handled_ = generation;
  noticed_ = std::chrono::steady_clock::now();
  const std::optional<std::vector<uint8_t>> blob = inbox_.read(generation);
  if (!blob) return refuse(generation, "its slot no longer holds it", log);
  Result<DataplaneConfig> next = config_to_adopt(*blob, *running_, overrides_, capacities_);
  if (!next) return refuse(generation, next.error(), log);
  auto config = std::make_shared<const DataplaneConfig>(std::move(next.value()));
  std::vector<std::unique_ptr<Generation>> built;
  for (Worker* w : workers_) {
    Result<std::unique_ptr<Generation>> g = build_for(*w, config, generation, tickets_);
    if (!g) return refuse(generation, g.error(), log);
    built.push_back(std::move(g.value()));
  }
  rebuilt_ = built.empty() ? 0 : built.front()->rebuilt;
  kept_ = built.empty() ? 0 : built.front()->l4.size() + (built.front()->http ? 1 : 0) - rebuilt_;
  if (access_log_) access_log_->add_names(generation, names_of(*config));
  for (size_t k = 0; k < workers_.size(); ++k) workers_[k]->offer_generation(std::move(built[k]));
  pending_ = generation;
  pending_config_ = std::move(config);
  offered_ = std::chrono::steady_clock::now();
}

}  // namespace tollgate::dataplane
