// Sampled log lines for clients a listener turned away (allowed_clients, client_limits, max_handshakes):
// at most one line per listener and reason per kIntervalMs, naming the listener, the reason, how many were
// refused since the previous such line and the latest refused address. The workers do nothing for it but
// what they do anyway on their stats tick (counts and the latest address per listener and reason into the
// segment, engine/shm/stats_types.h RefusalSamples); the control plane reads both on its own tick and logs
// what moved. A flood costs the log one line per second per listener and reason.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/shm/controller.h"
#include "engine/shm/stats_types.h"

namespace tollgate::controlplane {

// One listener on one core, as the segment shows it.
struct RefusalReading {
  std::array<uint64_t, shm::kRefusalReasons> counts{};
  std::array<uint32_t, shm::kRefusalReasons> latest{};  // IPv4, host order; 0: none yet
};

// readings[core][listener] for the first `listeners` listeners (those beyond the segment's capacity are
// left out). Counts first, then addresses (acquire between): an address is at least as recent as its count.
std::vector<std::vector<RefusalReading>> read_refusals(const shm::Controller& controller, uint32_t listeners);

class RefusalLog {
 public:
  static constexpr uint64_t kIntervalMs = 1000;

  // One observation: `names` are the listeners in the numbering of `readings` (the config in force),
  // readings[core][listener]. Returns the lines to log (without level or time). The first observation, and
  // the first after the listeners or cores changed, only sets the baseline: counts already there were
  // refused before this control plane looked (or under other names). Counts that went down (a new
  // dataplane) restart the baseline there too.
  std::vector<std::string> observe(const std::vector<std::string>& names,
                                   const std::vector<std::vector<RefusalReading>>& readings, uint64_t now_ms);

 private:
  struct Track {
    uint64_t logged = 0;        // the summed count when the last line was logged (or the baseline)
    uint64_t last_line_ms = 0;  // 0: never logged
    uint32_t latest = 0;        // the latest refused address seen from a core whose count moved
  };
  std::vector<std::string> names_;
  size_t cores_ = 0;
  std::vector<std::vector<RefusalReading>> seen_;                // the previous readings
  std::vector<std::array<Track, shm::kRefusalReasons>> tracks_;  // by listener
};

}  // namespace tollgate::controlplane
