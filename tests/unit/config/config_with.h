// A config of bare entities for numbering tests: listeners with rules of the given priorities, pools with
// the given number of targets.
#pragma once

#include <cstdint>
#include <vector>

#include "config/config.h"

namespace tollgate::dataplane {

inline DataplaneConfig config_with(std::vector<std::vector<uint32_t>> rule_priorities,
                                   std::vector<size_t> pool_sizes) {
  DataplaneConfig c;
  for (const auto& priorities : rule_priorities) {
    ListenerConfig l;
    for (uint32_t p : priorities) {
      l.rules
          .emplace_back();  // not Rule{.priority = p}: GCC 12 under ASan warns on the temporary's optionals
      l.rules.back().priority = p;
    }
    c.listeners.push_back(std::move(l));
  }
  for (size_t n : pool_sizes) {
    PoolConfig p;
    p.targets.resize(n);
    c.pools.push_back(std::move(p));
  }
  return c;
}

}  // namespace tollgate::dataplane
