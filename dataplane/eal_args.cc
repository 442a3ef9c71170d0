#include "dataplane/eal_args.h"

#include <fmt/format.h>
#include <sched.h>

#include <fstream>
#include <sstream>

namespace tollgate::dataplane {

uint16_t resolve_worker_count(uint16_t requested, size_t usable_cpus) {
  if (requested > 0) return requested;
  return static_cast<uint16_t>(usable_cpus > 1 ? usable_cpus - 1 : 1);
}

EalPlan build_eal_plan(const DataplaneConfig& config, const EalEnvironment& env) {
  EalPlan plan;
  const std::vector<unsigned> cpus = env.cpus.empty() ? std::vector<unsigned>{0} : env.cpus;
  plan.workers = resolve_worker_count(config.cores, cpus.size());

  auto& a = plan.args;
  a.push_back("tollgate-dataplane");
  // Main lcore 0 on the first CPU; workers on the following ones. With more workers than spare CPUs
  // (a small lab box) they wrap around and share, which is correct if slower.
  std::string lcores = fmt::format("0@{}", cpus[0]);
  for (uint16_t w = 1; w <= plan.workers; ++w) {
    lcores += fmt::format(",{}@{}", w, cpus[w % cpus.size()]);
  }
  a.push_back("--lcores");
  a.push_back(lcores);

  bool any_pci = false;
  for (const PortConfig& p : config.ports) any_pci = any_pci || p.driver == PortDriver::kPci;
  if (!any_pci) a.push_back("--no-pci");

  const uint64_t needed = uint64_t{config.memory_mb} << 20;
  if (env.free_hugepage_bytes >= needed) {
    a.push_back("--in-memory");
  } else {
    a.push_back("--no-huge");
    a.push_back("-m");
    a.push_back(std::to_string(config.memory_mb));
  }
  a.push_back("--file-prefix");
  a.push_back(env.file_prefix);

  unsigned xdp = 0, packet = 0, memif = 0;
  for (size_t index = 0; index < config.ports.size(); ++index) {
    const PortConfig& p = config.ports[index];
    switch (p.driver) {
      case PortDriver::kAfXdp: {
        // One single-queue device (one XSK) per worker, bound to kernel queue w of the interface: the
        // PMD refuses queue_count > 1 on interfaces that report no combined channels (veth), and this
        // form works on every interface. The interface must have `workers` RX queues (lab.sh makes
        // veths so); packets on a queue without a socket would go to the kernel.
        std::vector<std::string> devices;
        for (uint16_t w = 0; w < plan.workers; ++w) {
          const std::string name = fmt::format("net_af_xdp{}", xdp++);
          a.push_back("--vdev");  // PCI: --no-pci, or the -a allow-list, above
          a.push_back(fmt::format("{},iface={},start_queue={},queue_count=1,busy_budget={}", name, p.iface, w,
                                  p.busy_poll_budget));
          devices.push_back(name);
        }
        plan.port_devices.push_back(devices);
        break;
      }
      case PortDriver::kAfPacket: {
        const std::string name = fmt::format("net_af_packet{}", packet++);
        a.push_back("--vdev");  // PCI: --no-pci, or the -a allow-list, above
        a.push_back(fmt::format("{},iface={},qpairs={},qdisc_bypass=1", name, p.iface, plan.workers));
        plan.port_devices.push_back({name});
        break;
      }
      case PortDriver::kMemif: {
        // We are the server: the socket file is ours (socket-abstract=no: a path on disk, not the abstract
        // namespace). One device; its queue pairs (one per worker) are set by the port setup. The client
        // cannot do RSS: whatever queue a packet arrives on, software steering hands it to its owner.
        const std::string name = fmt::format("net_memif{}", memif++);
        const net::MacAddress mac = p.mac.value_or(memif_default_mac(index));
        a.push_back("--vdev");  // PCI: --no-pci, or the -a allow-list, above
        a.push_back(fmt::format("{},role=server,id=0,socket={},socket-abstract=no,mac={}", name, p.socket,
                                mac.to_string()));
        plan.port_devices.push_back({name});
        break;
      }
      case PortDriver::kPci:
        a.push_back("-a");
        a.push_back(p.pci);
        plan.port_devices.push_back({p.pci});
        break;
    }
  }
  for (const std::string& e : env.extra) a.push_back(e);
  return plan;
}

EalEnvironment probe_eal_environment(std::string file_prefix) {
  EalEnvironment env;
  env.file_prefix = std::move(file_prefix);
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    for (unsigned c = 0; c < CPU_SETSIZE; ++c) {
      if (CPU_ISSET(c, &set)) env.cpus.push_back(c);
    }
  }
  std::ifstream meminfo("/proc/meminfo");
  std::string line;
  uint64_t free_pages = 0, page_kb = 0;
  while (std::getline(meminfo, line)) {
    std::istringstream in(line);
    std::string key;
    uint64_t value = 0;
    in >> key >> value;
    if (key == "HugePages_Free:") free_pages = value;
    if (key == "Hugepagesize:") page_kb = value;
  }
  env.free_hugepage_bytes = free_pages * page_kb * 1024;
  return env;
}

}  // namespace tollgate::dataplane
