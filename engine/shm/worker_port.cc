#include "engine/shm/worker_port.h"

namespace tollgate::shm {

// A dataplane that restarts makes a fresh segment, so a new port starts from the segment's values; they are
// read back anyway so that a port re-made on a live segment (tests, a worker restarted in place) carries on.
WorkerPort::WorkerPort(const Segment& segment, uint32_t core)
    : core_(core),
      view_(segment.core(core)),
      control_(&segment.control()),
      config_(segment.config()),
      health_(segment.health()),
      events_(segment.events(core)),
      commands_(segment.commands(core)),
      adopted_(view_.header->adopted_generation.load(std::memory_order_acquire)),
      health_seen_(view_.header->health_generation.load(std::memory_order_acquire)) {}

}  // namespace tollgate::shm
