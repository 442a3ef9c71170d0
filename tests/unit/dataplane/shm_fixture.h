// A real segment (unique name with the pid, unlinked after the test) with small capacities, the control
// plane's Controller on it, and core 0's WorkerPort: the dataplane's segment code is tested against the
// protocol as both processes run it.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <optional>

#include "engine/shm/controller.h"
#include "engine/shm/worker_port.h"
#include "tests/unit/shm/test_segment.h"

namespace tollgate::dataplane {

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
