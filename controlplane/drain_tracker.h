// Which cores still owe a drain-done event for a target being drained. The control plane sends a drain
// command to every running core; each core answers kDrainDone once the target has no connection left on
// it. `tollgatectl target drain` polls this until no core is owed or its own timeout passes.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <vector>

namespace tollgate::controlplane {

class DrainTracker {
 public:
  // Starts (or restarts) waiting for `cores` on `target`.
  void start(uint32_t target, const std::vector<uint32_t>& cores) {
    waiting_[target] = std::set<uint32_t>(cores.begin(), cores.end());
  }
  void done(uint32_t target, uint32_t core) {
    if (auto it = waiting_.find(target); it != waiting_.end()) it->second.erase(core);
  }
  void forget(uint32_t target) { waiting_.erase(target); }
  bool draining(uint32_t target) const { return waiting_.count(target) != 0; }
  // The cores still owed; empty when drained (or never drained).
  std::vector<uint32_t> waiting(uint32_t target) const {
    const auto it = waiting_.find(target);
    return it == waiting_.end() ? std::vector<uint32_t>{}
                                : std::vector<uint32_t>(it->second.begin(), it->second.end());
  }
  void clear() { waiting_.clear(); }
  // Target indices of a new config in force: `moved[old]` is the new index (-1: gone, forgotten).
  void renumber(const std::vector<int32_t>& moved) {
    std::map<uint32_t, std::set<uint32_t>> next;
    for (auto& [target, cores] : waiting_) {
      if (target < moved.size() && moved[target] >= 0)
        next[static_cast<uint32_t>(moved[target])] = std::move(cores);
    }
    waiting_ = std::move(next);
  }

 private:
  std::map<uint32_t, std::set<uint32_t>> waiting_;
};

}  // namespace tollgate::controlplane
