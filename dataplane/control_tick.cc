#include "dataplane/control_tick.h"

#include <fmt/format.h>

#include <array>

namespace tollgate::dataplane {

void ControlTick::run(uint64_t now_ns) {
  port_.heartbeat(now_ns);
  health_.apply();
  serve_commands();
  health_.report_drains();
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

void ControlTick::adopted(uint64_t generation, uint64_t previous, size_t draining) {
  port_.adopted(generation);
  // Once per generation: formatted into a fixed buffer, no allocation.
  std::array<char, 110> text;
  const auto r =
      fmt::format_to_n(text.data(), text.size(),
                       "core {}: adopted config generation {} (was {}); {} older generation(s) draining",
                       port_.core(), generation, previous, draining);
  const std::string_view line(text.data(), std::min(r.size, text.size()));
  port_.send(shm::make_message(shm::MessageType::kLogLine, port_.core(), generation,
                               shm::make_log_line(6 /* info */, line)));
}

}  // namespace tollgate::dataplane
