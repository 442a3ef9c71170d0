#include "bench/loadgen/eal_plan.h"

#include <fmt/format.h>

namespace tollgate::loadgen {

net::MacAddress default_mac(size_t port_index) {
  return net::MacAddress{{0x02, 0x00, 0x00, 0x00, 0x02, static_cast<uint8_t>(port_index + 1)}};
}

EalPlan build_eal_plan(const Options& o, unsigned cpu) {
  EalPlan plan;
  auto& a = plan.args;
  a = {"tollgate-loadgen", "--lcores", fmt::format("0@{}", cpu)};
  bool any_pci = false;
  for (const PortOptions& p : o.ports) any_pci = any_pci || !p.pci.empty();
  // A NIC does DMA into our buffers: it needs hugepage memory (--in-memory: no files left behind). memif
  // copies between processes and runs without hugepages.
  if (any_pci) {
    a.insert(a.end(), {"--in-memory", "-m", std::to_string(o.memory_mb)});
  } else {
    a.insert(a.end(),
             {"--no-pci", "--no-huge", "-m", std::to_string(o.memory_mb), "--file-prefix", o.file_prefix});
  }
  unsigned memif = 0;
  for (size_t i = 0; i < o.ports.size(); ++i) {
    const PortOptions& p = o.ports[i];
    if (!p.pci.empty()) {
      a.insert(a.end(), {"-a", p.pci});
      plan.devices.push_back(p.pci);
      continue;
    }
    const std::string name = fmt::format("net_memif{}", memif++);
    a.push_back("--vdev");
    a.push_back(fmt::format("{},role=client,id=0,socket={},socket-abstract=no,mac={}", name, p.socket,
                            p.mac.value_or(default_mac(i)).to_string()));
    plan.devices.push_back(name);
  }
  return plan;
}

}  // namespace tollgate::loadgen
