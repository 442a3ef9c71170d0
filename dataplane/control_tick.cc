#include "dataplane/control_tick.h"

#include <fmt/format.h>

#include <array>

namespace tollgate::dataplane {

void ControlTick::run(uint64_t now_ns) {
  port_.heartbeat(now_ns);
  health_.apply();
  serve_commands();
  health_.report_drains();
  notice_config();
}

void ControlTick::serve_commands() {
  std::array<shm::Message, kCommandsPerTick> in;
  const size_t n = port_.receive(in.data(), in.size());
  for (size_t k = 0; k < n; ++k) {
    const shm::Message& m = in[k];
    switch (m.type) {
      case shm::MessageType::kProbeRequest: {
        shm::ProbeRequest request;
        if (!shm::read_payload(m, request)) break;
        probes_.start(request, m.id, port_);
        continue;
      }
      case shm::MessageType::kDrainTarget: {
        shm::TargetRef ref;
        if (!shm::read_payload(m, ref)) break;
        health_.watch_drain(ref);
        continue;
      }
      default:
        break;
    }
    ++ignored_;
  }
}

void ControlTick::notice_config() {
  const std::optional<shm::ConfigBlob> blob = port_.pending_config();
  if (!blob || blob->generation == noticed_.load(std::memory_order_relaxed)) return;
  noticed_.store(blob->generation, std::memory_order_relaxed);
  // Once per generation: formatted into a fixed buffer, no allocation.
  std::array<char, 110> text;
  const auto r = fmt::format_to_n(text.data(), text.size(),
                                  "core {}: config generation {} published ({} bytes); not adopted: this "
                                  "dataplane runs its start-up config",
                                  port_.core(), blob->generation, blob->bytes.size());
  const std::string_view line(text.data(), std::min(r.size, text.size()));
  port_.send(shm::make_message(shm::MessageType::kLogLine, port_.core(), blob->generation,
                               shm::make_log_line(4 /* warning */, line)));
}

}  // namespace tollgate::dataplane
