// The segment's numbering of one config's entities (docs/ARCHITECTURE.md, "Entity indices"), made once per
// config — with a config generation, or with the config the control plane has in force — and read by every
// consumer instead of counting again: listeners and pools in config order, rules across listeners (each
// listener's in declaration order), targets across pools (each pool's in its `targets` order).
#pragma once

#include <cstdint>
#include <vector>

#include "config/config.h"
#include "config/entity_map.h"

namespace tollgate::dataplane {

class EntityIndex {
 public:
  EntityIndex() = default;  // an empty config's
  explicit EntityIndex(const DataplaneConfig& config);

  uint32_t listeners() const { return static_cast<uint32_t>(rule_slots_.size()); }
  uint32_t rules() const { return rules_; }
  uint32_t pools() const { return static_cast<uint32_t>(first_target_.size()); }
  uint32_t targets() const { return targets_; }

  // Listener l's rules by their position in its route table (priority order, the order
  // RouteTable::Match::rule counts in) → segment rule index. Empty for tcp and tls listeners.
  const std::vector<uint32_t>& rule_slots(uint32_t listener) const { return rule_slots_[listener]; }
  // Segment index of the first rule of listener l (declaration order).
  uint32_t first_rule(uint32_t listener) const { return first_rule_[listener]; }
  // Segment index of pool p's first target; its k-th target is first_target(p) + k.
  uint32_t first_target(uint32_t pool) const { return first_target_[pool]; }
  uint32_t pool_targets(uint32_t pool) const {
    return (pool + 1 < pools() ? first_target_[pool + 1] : targets_) - first_target_[pool];
  }
  // The pool a tcp or tls listener forwards to (-1: none; http listeners choose pools by rule).
  int32_t listener_pool(uint32_t listener) const {
    return listener < listener_pool_.size() ? listener_pool_[listener] : -1;
  }
  // Where each entity's counts go in this same numbering: what map_entities(config, config) says (a target
  // listed twice in a pool counts under its first listing).
  const EntityMap& own() const { return own_; }

 private:
  std::vector<std::vector<uint32_t>> rule_slots_;
  std::vector<uint32_t> first_rule_;
  std::vector<uint32_t> first_target_;
  std::vector<int32_t> listener_pool_;
  uint32_t rules_ = 0;
  uint32_t targets_ = 0;
  EntityMap own_;
};

}  // namespace tollgate::dataplane
