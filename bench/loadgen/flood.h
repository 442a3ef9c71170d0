// Flood mode: raw frames towards the target at a bounded rate and count, for robustness tests. SYNs and
// bare ACKs come from addresses of the port's subnet chosen at random (the dataplane's answers to them go
// nowhere, as a spoofed flood's do), garbage is random bytes behind a valid Ethernet header addressed to
// the target's MAC. The target's MAC is learned by ARP first.
#pragma once

#include <cstdint>

#include "bench/loadgen/host.h"
#include "bench/loadgen/options.h"
#include "bench/loadgen/pacer.h"

namespace tollgate::loadgen {

struct FloodCounters {
  uint64_t sent = 0;  // frames queued for the device (the device's own drops are in the host counters)
  uint64_t no_mbuf = 0;
};

class Flood {
 public:
  Flood(Host& host, const FloodOptions& options, size_t port);
  void start(uint64_t now_us) { pacer_ = Pacer(options_.rate, now_us); }
  // Sends what is due; false once the target's MAC could not be learned (after a few seconds).
  bool poll(uint64_t now_us);
  bool done() const { return counters_.sent + counters_.no_mbuf >= options_.count; }
  const FloodCounters& counters() const { return counters_; }

 private:
  uint64_t next_random();
  void send_one(const net::MacAddress& mac);

  Host& host_;
  const FloodOptions& options_;
  size_t port_;
  Pacer pacer_;
  uint64_t state_ = 0x9e3779b97f4a7c15ull;
  uint64_t resolve_deadline_us_ = 0;
  FloodCounters counters_;
};

}  // namespace tollgate::loadgen
