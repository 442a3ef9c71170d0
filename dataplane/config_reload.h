// The main lcore's side of config generations: it follows the generation the control plane publishes in
// the shared segment, reads each new one (config_adoption.h), refuses it with the reason in the segment
// (shm::ConfigInbox) or builds every worker's objects for it (build_generation: on this lcore, never on a
// worker's fast path) and offers them; each worker installs its own at its next timer tick and
// acknowledges it. One generation is in flight at a time: the next is taken up once every core adopted
// the last (a few milliseconds). Workers hand drained generations back here to be freed.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config/config.h"
#include "dataplane/access_log_writer.h"
#include "dataplane/config_adoption.h"
#include "dataplane/worker.h"
#include "engine/shm/config_inbox.h"
#include "engine/shm/segment.h"
#include "engine/tls/ticket_keys.h"

namespace tollgate::dataplane {

// Builds generation `number` for worker `w` (main lcore).
Result<std::unique_ptr<Generation>> build_for(
    Worker& w, std::shared_ptr<const DataplaneConfig> config, uint64_t number,
    const std::vector<std::shared_ptr<tls::TicketKeyRing>>& tickets);

class ConfigReload {
 public:
  ConfigReload(const shm::Segment& segment, std::vector<Worker*> workers,
               std::shared_ptr<const DataplaneConfig> running, ConfigOverrides overrides,
               std::vector<std::shared_ptr<tls::TicketKeyRing>> tickets, AccessLogWriter* access_log);

  // One look, from the main loop: frees drained generations, completes an adoption in progress, takes up
  // a newly published generation. Returns lines for the dataplane's log.
  std::vector<std::string> poll();
  // The config every core runs.
  const std::shared_ptr<const DataplaneConfig>& running() const { return running_; }
  uint64_t running_generation() const { return running_generation_; }
  // A generation is offered and not yet adopted by every core.
  bool adopting() const { return pending_ != 0; }
  // True once after every core adopted a new generation (main rebuilds what it derives from the config).
  bool take_changed() { return std::exchange(changed_, false); }

 private:
  void take_up(uint64_t generation, std::vector<std::string>& log);
  void refuse(uint64_t generation, const std::string& why, std::vector<std::string>& log);

  shm::ConfigInbox inbox_;
  shm::Capacities capacities_;
  std::vector<Worker*> workers_;
  std::shared_ptr<const DataplaneConfig> running_;
  uint64_t running_generation_ = 0;
  ConfigOverrides overrides_;
  std::vector<std::shared_ptr<tls::TicketKeyRing>> tickets_;
  AccessLogWriter* access_log_;
  uint64_t handled_ = 0;  // the newest generation read (adopted, in flight or refused)
  uint64_t pending_ = 0;  // offered, not yet adopted by every core
  std::shared_ptr<const DataplaneConfig> pending_config_;
  std::chrono::steady_clock::time_point noticed_, offered_;
  size_t rebuilt_ = 0, kept_ = 0;
  bool changed_ = false;
};

}  // namespace tollgate::dataplane
