#include "controlplane/refusal_log.h"

#include <fmt/format.h>

#include <atomic>

#include "engine/net/addresses.h"
#include "engine/shm/stats_names.h"

namespace tollgate::controlplane {

std::vector<std::vector<RefusalReading>> read_refusals(const shm::Controller& controller,
                                                       uint32_t listeners) {
  std::vector<std::vector<RefusalReading>> out(controller.cores());
  for (uint32_t k = 0; k < controller.cores(); ++k) {
    out[k].resize(listeners);
    for (uint32_t i = 0; i < listeners; ++i) {
      const shm::ListenerStats& block = controller.block<shm::ListenerCounter>(k, i);
      RefusalReading& r = out[k][i];
      for (size_t reason = 0; reason < shm::kRefusalReasons; ++reason)
        r.counts[reason] = block[shm::refusal_counter(static_cast<shm::RefusalReason>(reason))].get();
    }
  }
  // The worker stores addresses, then (release) counts: this pairs with it.
  std::atomic_thread_fence(std::memory_order_acquire);
  for (uint32_t k = 0; k < controller.cores(); ++k) {
    for (uint32_t i = 0; i < listeners; ++i) {
      const shm::RefusalSamples& s = controller.refusal_samples(k, i);
      for (size_t reason = 0; reason < shm::kRefusalReasons; ++reason)
        out[k][i].latest[reason] = s.latest[reason].load(std::memory_order_relaxed);
    }
  }
  return out;
}

std::vector<std::string> RefusalLog::observe(const std::vector<std::string>& names,
                                             const std::vector<std::vector<RefusalReading>>& readings,
                                             uint64_t now_ms) {
  std::vector<std::string> lines;
  const bool fresh = names != names_ || readings.size() != cores_;
  if (fresh) {
    names_ = names;
    cores_ = readings.size();
    seen_.assign(cores_, std::vector<RefusalReading>(names.size()));
    tracks_.assign(names.size(), {});
  }
  for (size_t i = 0; i < names.size(); ++i) {
    for (size_t r = 0; r < shm::kRefusalReasons; ++r) {
      Track& t = tracks_[i][r];
      uint64_t total = 0;
      for (size_t k = 0; k < cores_; ++k) {
        const uint64_t now = i < readings[k].size() ? readings[k][i].counts[r] : 0;
        const uint32_t address = i < readings[k].size() ? readings[k][i].latest[r] : 0;
        // A core whose count moved since the last observation refused `address` (or someone newer).
        if (now != seen_[k][i].counts[r] && address != 0) t.latest = address;
        total += now;
      }
      if (fresh || total < t.logged) {
        t.logged = total;
        continue;
      }
      if (total == t.logged || (t.last_line_ms != 0 && now_ms - t.last_line_ms < kIntervalMs)) continue;
      lines.push_back(
          fmt::format("listener '{}': {} refused by {} since the last such line, latest client {}", names[i],
                      total - t.logged, shm::refusal_reason_name(static_cast<shm::RefusalReason>(r)),
                      t.latest ? net::Ipv4Address{t.latest}.to_string() : std::string("unknown")));
      t.logged = total;
      t.last_line_ms = now_ms;
    }
  }
  for (size_t k = 0; k < cores_; ++k) {
    for (size_t i = 0; i < names.size() && i < readings[k].size(); ++i) seen_[k][i] = readings[k][i];
  }
  return lines;
}

}  // namespace tollgate::controlplane
