// A configured, started ethdev port: one RX and one TX queue per worker.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "config/config.h"
#include "engine/net/flow_steering.h"
#include "engine/net/interface.h"

struct rte_mempool;

namespace tollgate::dataplane {

// Where one worker receives and sends for a port.
struct QueueBinding {
  uint16_t device = 0;  // DPDK port id
  uint16_t queue = 0;
};

struct Port {
  std::string name;                  // config name ("front")
  std::vector<std::string> devices;  // ethdev names ("net_af_xdp0", ...)
  std::vector<uint16_t> device_ids;  // their DPDK port ids
  std::vector<QueueBinding> queues;  // indexed by worker
  PortDriver driver = PortDriver::kAfXdp;
  net::InterfaceConfig iface;     // our MAC (read from the device) and addresses
  bool rx_ipv4_checksum = false;  // RX offload checks IPv4 header checksums
  // The device could fill IPv4 header checksums on TX and the offload is enabled, but no frame asks for
  // it yet: the TCP output path (tcp::write_segment_frame) computes every checksum in software.
  bool tx_ipv4_checksum = false;
  bool hardware_rss = false;  // RSS programmed with the steering key and RETA
};

// Finds, configures and starts every config port. Errors are logged; returns false on any.
bool setup_ports(const DataplaneConfig& config, const std::vector<std::vector<std::string>>& port_devices,
                 uint16_t workers, const net::FlowSteering& steering, rte_mempool* pool,
                 std::vector<Port>& out);

void stop_ports(const std::vector<Port>& ports);

}  // namespace tollgate::dataplane
