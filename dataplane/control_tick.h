// What a worker does with the shared segment on its timer tick, apart from stats: beat its heartbeat,
// apply target health and report drains, serve its command ring (a bounded number of messages per tick,
// so a flood of commands cannot stall packet processing), and acknowledge config generations.
//
// Config generations: the worker never reads a config slot. The main lcore reads each published
// generation, refuses it (recorded in the segment, see engine/shm/config_inbox.h) or builds the core's
// objects for it and offers them; the worker installs them at its safe point and only then acknowledges
// (adopted): new connections use generation g from that moment. A kLogLine event tells the control plane.
#pragma once

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

  // Generation `generation` takes this core's new connections; `draining` generations still finish
  // theirs. Acknowledged in the segment and said once in a log line (no allocation).
  void adopted(uint64_t generation, uint64_t previous, size_t draining);

  uint64_t commands_ignored() const { return ignored_; }

 private:
  void serve_commands();

  shm::WorkerPort& port_;
  HealthApplier& health_;
  ProbeRunner& probes_;
  uint64_t ignored_ = 0;  // unknown or malformed commands
};

}  // namespace tollgate::dataplane
