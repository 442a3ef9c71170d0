// The dataplane main thread's side of the config protocol. Workers never read config slots: the main
// thread reads the newest published generation (a copy, checked against the slot's generation after the
// copy), builds every core's objects from it, and offers them; each worker acknowledges its adoption in its
// CoreHeader (WorkerPort::adopted). A generation the main thread will not adopt is refused here instead —
// the control plane shows why, and may reuse its slot, since nothing reads a refused slot again.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "engine/shm/segment.h"

namespace tollgate::shm {

class ConfigInbox {
 public:
  explicit ConfigInbox(const Segment& segment);

  // The newest published generation (0: none yet).
  uint64_t published() const;
  // A copy of generation g's blob; nullopt when the slot no longer (or not yet) holds g — which the
  // protocol rules out for the newest published generation until this side has adopted or refused it.
  std::optional<std::vector<uint8_t>> read(uint64_t generation) const;
  // Generation g (and anything older not adopted) will not be adopted, because of `reason`.
  void refuse(uint64_t generation, std::string_view reason);
  uint64_t refused() const;

 private:
  ControlBlock* control_;
  ConfigView config_;
};

}  // namespace tollgate::shm
