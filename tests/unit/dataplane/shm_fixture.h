// A real segment (unique name with the pid, unlinked after the test) with small capacities, the control
// plane's Controller on it, and core 0's WorkerPort: the dataplane's segment code is tested against the
// protocol as both processes run it.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "dataplane/health_applier.h"
#include "engine/shm/controller.h"
#include "engine/shm/worker_port.h"
#include "tests/unit/shm/test_segment.h"

namespace tollgate::dataplane {

// Connections the drain waits for, set by the test; close_idle calls are recorded.
class FakeSite final : public DrainSite {
 public:
  uint32_t open_connections(uint32_t pool, int target) const override {
    const auto it = open.find({pool, target});
    return it == open.end() ? 0 : it->second;
  }
  void close_idle(uint32_t pool, int target) override { closed.push_back({pool, target}); }

  std::map<std::pair<uint32_t, int>, uint32_t> open;
  std::vector<std::pair<uint32_t, int>> closed;
};

class ShmFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    shm::Capacities caps = shm::small_capacities();
    caps.command_ring_slots = 64;  // more than a tick takes
    auto s = shm::Segment::create(name_.str(), caps);
    ASSERT_TRUE(s) << s.error();
    segment_.emplace(std::move(s.value()));
    controller_.emplace(*segment_, static_cast<uint64_t>(::getpid()));
    port_.emplace(*segment_, 0);
    port_->start();
  }
  const shm::Segment& segment() const { return *segment_; }
  shm::Controller& controller() { return *controller_; }
  shm::WorkerPort& port() { return *port_; }

  shm::ScopedName name_;
  std::optional<shm::Segment> segment_;
  std::optional<shm::Controller> controller_;
  std::optional<shm::WorkerPort> port_;
};

}  // namespace tollgate::dataplane
