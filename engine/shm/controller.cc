#include "engine/shm/controller.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

namespace tollgate::shm {

Controller::Controller(const Segment& segment, uint64_t pid)
    : segment_(&segment),
      control_(&segment.control()),
      config_(segment.config()),
      health_(segment.health()),
      epoch_(control_->controller_epoch.fetch_add(1, std::memory_order_acq_rel) + 1) {
  control_->controller_pid.store(pid, std::memory_order_release);
  for (uint32_t k = 0; k < cores(); ++k) {
    commands_.emplace_back(segment.commands(k));
    events_.emplace_back(segment.events(k));
  }
}

bool Controller::in_control() const {
  return control_->controller_epoch.load(std::memory_order_acquire) == epoch_;
}

uint64_t Controller::published_generation() const {
  return control_->config_published.load(std::memory_order_seq_cst);
}

Result<uint64_t> Controller::publish_config(std::span<const uint8_t> blob) {
  if (blob.size() > config_.slot_capacity) {
    return Error{
        fmt::format("config of {} bytes does not fit a {}-byte slot", blob.size(), config_.slot_capacity)};
  }
  const uint64_t g = published_generation() + 1;
  if (g > config_.slots) {
    const uint64_t needed = g + 1 - config_.slots;  // every running core must have adopted this or later
    // A refused generation is done with for every core: the dataplane read it once and never reads it (or
    // anything older) again.
    const uint64_t refused = control_->config_refusal.generation.load(std::memory_order_acquire);
    for (uint32_t k = 0; k < cores() && refused < needed; ++k) {
      const CoreHeader& h = core_header(k);
      if (h.running.load(std::memory_order_seq_cst) == 0) continue;
      const uint64_t adopted = h.adopted_generation.load(std::memory_order_acquire);
      if (adopted < needed) {
        return Error{fmt::format("core {} still runs config generation {}: generation {} must wait for it", k,
                                 adopted, g)};
      }
    }
  }
  ConfigSlotHeader& slot = config_.header(g);
  std::memcpy(config_.blob(g), blob.data(), blob.size());
  slot.length = blob.size();
  slot.generation.store(g, std::memory_order_release);
  control_->config_published.store(g, std::memory_order_seq_cst);
  return g;
}

uint64_t Controller::min_over_running(std::atomic<uint64_t> CoreHeader::*field) const {
  uint64_t m = published_generation();
  for (uint32_t k = 0; k < cores(); ++k) {
    const CoreHeader& h = core_header(k);
    if (h.running.load(std::memory_order_seq_cst) != 0)
      m = std::min(m, (h.*field).load(std::memory_order_acquire));
  }
  return m;
}

uint64_t Controller::min_adopted_generation() const {
  return min_over_running(&CoreHeader::adopted_generation);
}

uint64_t Controller::min_generation_in_use() const {
  return min_over_running(&CoreHeader::oldest_generation);
}

void Controller::set_target_health(uint32_t pool, uint32_t target, HealthState state, uint32_t weight) {
  std::atomic<uint64_t>& word = health_.entries[target].word;
  const TargetHealth old = unpack_health(word.load(std::memory_order_relaxed));
  word.store(pack_health({state, std::min(weight, kMaxWeight), old.changes + 1}), std::memory_order_release);
  std::atomic<uint64_t>& pool_generation = health_.pool_generations[pool];
  pool_generation.store(pool_generation.load(std::memory_order_relaxed) + 1, std::memory_order_release);
}

void Controller::publish_health() {
  std::atomic<uint64_t>& g = health_.header->generation;
  g.store(g.load(std::memory_order_relaxed) + 1, std::memory_order_release);
}

TargetHealth Controller::target_health(uint32_t target) const {
  return unpack_health(health_.entries[target].word.load(std::memory_order_acquire));
}

uint64_t Controller::events_dropped(uint32_t core) const {
  return segment_->events(core).control->dropped.get();
}

}  // namespace tollgate::shm
