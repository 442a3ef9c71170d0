#include "engine/shm/config_inbox.h"

#include <atomic>
#include <cstring>

#include "engine/shm/config_refusal.h"

namespace tollgate::shm {

ConfigInbox::ConfigInbox(const Segment& segment) : control_(&segment.control()), config_(segment.config()) {}

uint64_t ConfigInbox::published() const {
  return control_->config_published.load(std::memory_order_seq_cst);
}

std::optional<std::vector<uint8_t>> ConfigInbox::read(uint64_t generation) const {
  if (generation == 0) return std::nullopt;
  const ConfigSlotHeader& slot = config_.header(generation);
  if (slot.generation.load(std::memory_order_acquire) != generation || slot.length > config_.slot_capacity)
    return std::nullopt;
  std::vector<uint8_t> copy(config_.blob(generation), config_.blob(generation) + slot.length);
  // Still the same generation after the copy: the control plane did not start rewriting the slot meanwhile.
  std::atomic_thread_fence(std::memory_order_acquire);
  if (slot.generation.load(std::memory_order_relaxed) != generation) return std::nullopt;
  return copy;
}

void ConfigInbox::refuse(uint64_t generation, std::string_view reason) {
  record_refusal(control_->config_refusal, generation, reason);
}

uint64_t ConfigInbox::refused() const {
  return control_->config_refusal.generation.load(std::memory_order_acquire);
}

}  // namespace tollgate::shm
