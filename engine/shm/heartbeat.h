// Liveness across the process boundary. Each side bumps its own Heartbeat every loop or timer tick; the
// other side keeps a LivenessWatch and calls it with the beats it reads and its own clock. Only the
// observer's clock matters (a change in `beats` is the signal), so the two sides need no common clock
// and the writer needs no syscall: `now_ns` is whatever clock the writer already reads (the dataplane's
// TSC-derived time), stored only for display.
#pragma once

#include <atomic>
#include <cstdint>

namespace tollgate::shm {

struct Heartbeat {
  std::atomic<uint64_t> beats{0};    // one writer; 0 = never beaten
  std::atomic<uint64_t> last_ns{0};  // the writer's clock at its last beat (informational)

  // Writer only: a plain load+store (no locked instruction), as Counter.
  void beat(uint64_t now_ns) {
    last_ns.store(now_ns, std::memory_order_relaxed);
    beats.store(beats.load(std::memory_order_relaxed) + 1, std::memory_order_release);
  }
};

// The observer's side, in its own memory. Alive while `beats` changed within `timeout_ns` of the
// observer's clock; a writer that has never beaten is not alive.
class LivenessWatch {
 public:
  explicit LivenessWatch(uint64_t timeout_ns) : timeout_ns_(timeout_ns) {}

  bool observe(uint64_t beats, uint64_t now_ns) {
    if (beats != seen_beats_) {
      seen_beats_ = beats;
      changed_ns_ = now_ns;
    }
    return seen_beats_ != 0 && now_ns - changed_ns_ <= timeout_ns_;
  }
  bool observe(const Heartbeat& h, uint64_t now_ns) {
    return observe(h.beats.load(std::memory_order_acquire), now_ns);
  }

 private:
  uint64_t timeout_ns_;
  uint64_t seen_beats_ = 0;
  uint64_t changed_ns_ = 0;
};

}  // namespace tollgate::shm
