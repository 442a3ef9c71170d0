// Builds the EAL command line from the config. The one rule that never bends: without an operator's
// explicit PCI allow-list the EAL gets --no-pci, so DPDK never probes (or steals) the machine's NICs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/config.h"

namespace tollgate::dataplane {

struct EalEnvironment {
  std::vector<unsigned> cpus;        // CPUs this process may run on (sched_getaffinity)
  uint64_t free_hugepage_bytes = 0;  // from /proc/meminfo
  std::string file_prefix;           // unique per instance so several dataplanes (and tests) coexist
  std::vector<std::string> extra;    // operator's additional EAL arguments, passed through
};

struct EalPlan {
  std::vector<std::string> args;  // EAL argv (argv[0] included); --no-pci unless PCI ports are an allow_list
  uint16_t workers = 0;           // worker lcores (1..workers); lcore 0 is the main lcore
  // The ethdev names behind each config port, in config order: one device with a queue per worker, or
  // (af_xdp, whose kernel side may expose queues only as separate sockets) one device per worker.
  std::vector<std::vector<std::string>> port_devices;
};

// Number of workers for `requested` (0 = all usable CPUs but one, at least one).
uint16_t resolve_worker_count(uint16_t requested, size_t usable_cpus);

EalPlan build_eal_plan(const DataplaneConfig& config, const EalEnvironment& env);

// Reads the machine's facts for build_eal_plan.
EalEnvironment probe_eal_environment(std::string file_prefix);

}  // namespace tollgate::dataplane
