// The load generator's EAL command line: one lcore on the CPU given, never the machine's NICs (--no-pci
// unless ports name PCI addresses, which become an -a allow-list and need hugepages: --in-memory), no
// hugepages and a file prefix of its own otherwise, and a memif client device per memif port. Pure, so it
// is unit-tested.
#pragma once

#include <string>
#include <vector>

#include "bench/loadgen/options.h"

namespace tollgate::loadgen {

struct EalPlan {
  std::vector<std::string> args;
  std::vector<std::string> devices;  // ethdev name per options.ports entry
};

// `cpu`: the CPU the one lcore runs on (options.cpu resolved).
EalPlan build_eal_plan(const Options& options, unsigned cpu);

// The MAC a memif port of ours has when --port names none.
net::MacAddress default_mac(size_t port_index);

}  // namespace tollgate::loadgen
