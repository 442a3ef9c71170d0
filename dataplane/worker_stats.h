// Counters of one worker core. Written only by that worker; read by the main lcore's stats reporter
// (and later by the control plane through shared memory). Cache-line aligned so two workers never share
// a line.
#pragma once

#include "engine/common/counter.h"
#include "engine/net/l2l3_counters.h"

namespace tollgate::dataplane {

struct alignas(64) WorkerStats {
  // Busy-cycle accounting: a polling core always shows 100% CPU, so its real cost is the TSC cycles
  // spent in iterations that found work. cycles_busy / packets is the cost per packet.
  Counter iterations_busy;
  Counter iterations_idle;
  Counter cycles_busy;
  Counter cycles_idle;
  Counter packets;  // handled on this core (from its queues and from other cores' rings)

  Counter rx_packets;  // from this core's RX queues
  Counter rx_bytes;
  Counter tx_packets;
  Counter tx_bytes;
  Counter steered_out;             // sent to the owning core through a ring
  Counter steered_in;              // received from another core's ring
  Counter neighbour_updates_lost;  // a full ring dropped an ARP update for another core
  // Times this core found its buffers short (tcp::BufferPressure above kNone) after they were not.
  Counter buffer_pressure_episodes;

  net::L2L3Counters l2l3;
};

}  // namespace tollgate::dataplane
