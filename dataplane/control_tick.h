// What a worker does with the shared segment on its timer tick, apart from stats: beat its heartbeat,
// apply target health and report drains, serve its command ring (a bounded number of messages per tick,
// so a flood of commands cannot stall packet processing), and notice config generations.
//
// Config generations: this dataplane runs the TOML config it started with and cannot yet build listeners,
// rules or pools from a published blob, so it adopts nothing — it never calls WorkerPort::adopted, which
// would tell the control plane that new connections use generation N when they do not. A newly published
// generation is noticed once: a kLogLine event to the control plane, and noticed_generation() for the
// main thread's log. (Consequence: the control plane's slot reuse waits for this core, so its publish is
// refused once N generations are outstanding.)
#pragma once

#include <atomic>
#include <cstdint>

#include "dataplane/health_applier.h"
#include "dataplane/probe_runner.h"
#include "engine/shm/worker_port.h"

namespace tollgate::dataplane {

inline constexpr size_t kCommandsPerTick = 16;

class ControlTick {
 public:
  ControlTick(shm::WorkerPort& port, HealthApplier& health, ProbeRunner& probes)
      : port_(port), health_(health), probes_(probes) {}

  void run(uint64_t now_ns);

  // The newest config generation this core has seen published (0: none); read by the main thread.
  uint64_t noticed_generation() const { return noticed_.load(std::memory_order_relaxed); }
  uint64_t commands_ignored() const { return ignored_; }

 private:
  void serve_commands();
  void notice_config();

  shm::WorkerPort& port_;
  HealthApplier& health_;
  ProbeRunner& probes_;
  std::atomic<uint64_t> noticed_{0};
  uint64_t ignored_ = 0;  // unknown or malformed commands
};

}  // namespace tollgate::dataplane
