#include "dataplane/port.h"

#include <fmt/format.h>
#include <rte_ethdev.h>
#include <rte_mempool.h>

#include <algorithm>

#include "engine/common/log.h"

namespace tollgate::dataplane {
namespace {

bool configure_rss(const rte_eth_dev_info& info, const net::FlowSteering& steering, rte_eth_conf& conf) {
  if (steering.cores() < 2 || info.flow_type_rss_offloads == 0 || info.hash_key_size != net::kRssKeySize) {
    return false;
  }
  static net::RssKey key = net::symmetric_rss_key();
  conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
  conf.rx_adv_conf.rss_conf.rss_key = key.data();
  conf.rx_adv_conf.rss_conf.rss_key_len = static_cast<uint8_t>(key.size());
  conf.rx_adv_conf.rss_conf.rss_hf =
      info.flow_type_rss_offloads &
      (RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_NONFRAG_IPV4_TCP | RTE_ETH_RSS_NONFRAG_IPV4_UDP);
  return conf.rx_adv_conf.rss_conf.rss_hf != 0;
}

// Programs the NIC's redirection table to match FlowSteering, so hardware and software agree on owners.
bool program_reta(uint16_t port_id, const rte_eth_dev_info& info, const net::FlowSteering& steering) {
  const uint16_t size = info.reta_size;
  if (size == 0 || size % RTE_ETH_RETA_GROUP_SIZE != 0 || size < net::kRetaSize) return false;
  std::vector<rte_eth_rss_reta_entry64> reta(size / RTE_ETH_RETA_GROUP_SIZE);
  for (uint16_t i = 0; i < size; ++i) {
    auto& group = reta[i / RTE_ETH_RETA_GROUP_SIZE];
    group.mask |= uint64_t{1} << (i % RTE_ETH_RETA_GROUP_SIZE);
    // Index by hash & (kRetaSize-1) like FlowSteering; larger tables repeat the pattern.
    group.reta[i % RTE_ETH_RETA_GROUP_SIZE] = steering.reta()[i & (net::kRetaSize - 1)];
  }
  return rte_eth_dev_rss_reta_update(port_id, reta.data(), size) == 0;
}

}  // namespace

namespace {

// Configures and starts one ethdev with `queues` RX/TX queue pairs. Fills the port's offload flags.
bool start_device(const DataplaneConfig& config, const PortConfig& pc, uint16_t id, uint16_t queues,
                  const net::FlowSteering& steering, rte_mempool* pool, Port& port) {
  rte_eth_dev_info info{};
  if (int rc = rte_eth_dev_info_get(id, &info); rc != 0) {
    log_error("port {}: cannot read device info: {}", pc.name, rte_strerror(-rc));
    return false;
  }
  if (info.max_rx_queues < queues || info.max_tx_queues < queues) {
    log_error("port {}: device offers {} rx / {} tx queues, {} needed", pc.name, info.max_rx_queues,
              info.max_tx_queues, queues);
    return false;
  }
  rte_eth_conf conf{};
  port.rx_ipv4_checksum = (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM) != 0;
  port.tx_ipv4_checksum = (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM) != 0;
  if (port.rx_ipv4_checksum) conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_IPV4_CKSUM;
  if (port.tx_ipv4_checksum) conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_IPV4_CKSUM;
  const bool rss = queues > 1 && configure_rss(info, steering, conf);
  if (int rc = rte_eth_dev_configure(id, queues, queues, &conf); rc != 0) {
    log_error("port {}: configure failed: {}", pc.name, rte_strerror(-rc));
    return false;
  }
  uint16_t rx_desc = config.rx_descriptors, tx_desc = config.tx_descriptors;
  rte_eth_dev_adjust_nb_rx_tx_desc(id, &rx_desc, &tx_desc);
  const int socket = std::max(0, rte_eth_dev_socket_id(id));
  for (uint16_t q = 0; q < queues; ++q) {
    if (int rc = rte_eth_rx_queue_setup(id, q, rx_desc, static_cast<unsigned>(socket), nullptr, pool);
        rc != 0) {
      log_error("port {}: rx queue {} setup failed: {}", pc.name, q, rte_strerror(-rc));
      return false;
    }
    if (int rc = rte_eth_tx_queue_setup(id, q, tx_desc, static_cast<unsigned>(socket), nullptr); rc != 0) {
      log_error("port {}: tx queue {} setup failed: {}", pc.name, q, rte_strerror(-rc));
      return false;
    }
  }
  if (int rc = rte_eth_dev_start(id); rc != 0) {
    log_error("port {}: start failed: {}", pc.name, rte_strerror(-rc));
    return false;
  }
  port.hardware_rss = rss && program_reta(id, info, steering);
  return true;
}

}  // namespace

bool setup_ports(const DataplaneConfig& config, const std::vector<std::vector<std::string>>& port_devices,
                 uint16_t workers, const net::FlowSteering& steering, rte_mempool* pool,
                 std::vector<Port>& out) {
  for (size_t i = 0; i < config.ports.size(); ++i) {
    const PortConfig& pc = config.ports[i];
    Port port;
    port.name = pc.name;
    port.devices = port_devices[i];
    port.driver = pc.driver;
    // One device serves every worker through its own queue, or each worker has a device of its own.
    const bool device_per_worker = port.devices.size() == workers && workers > 1;
    const uint16_t queues_per_device = device_per_worker ? 1 : workers;
    for (const std::string& device : port.devices) {
      uint16_t id = 0;
      if (rte_eth_dev_get_port_by_name(device.c_str(), &id) != 0) {
        log_error(
            "port {}: device {} was not created (is interface '{}' present, with {} queues? a memif socket "
            "in use?)",
            pc.name, device, pc.iface, workers);
        return false;
      }
      port.device_ids.push_back(id);
      if (!start_device(config, pc, id, queues_per_device, steering, pool, port)) return false;
    }
    for (uint16_t w = 0; w < workers; ++w) {
      port.queues.push_back(device_per_worker ? QueueBinding{port.device_ids[w], 0}
                                              : QueueBinding{port.device_ids[0], w});
    }
    rte_ether_addr mac{};
    rte_eth_macaddr_get(port.device_ids[0], &mac);
    std::copy(std::begin(mac.addr_bytes), std::end(mac.addr_bytes), port.iface.mac.bytes.begin());
    port.iface.ipv4 = pc.ipv4;
    port.iface.gateway = pc.gateway;
    rte_eth_link link{};
    rte_eth_link_get_nowait(port.device_ids[0], &link);
    log_info(
        "port {}: {} device(s) {}.. ({}) mac {} ipv4 {} queues/worker 1 link {} {} Mb/s rx-csum {} rss {}",
        pc.name, port.devices.size(), port.devices[0], port_driver_name(pc.driver),
        port.iface.mac.to_string(), pc.ipv4.to_string(), link.link_status ? "up" : "down", link.link_speed,
        port.rx_ipv4_checksum ? "hw" : "sw", port.hardware_rss ? "hw" : "sw");
    out.push_back(std::move(port));
  }
  return true;
}

void stop_ports(const std::vector<Port>& ports) {
  for (const Port& p : ports) {
    for (uint16_t id : p.device_ids) {
      rte_eth_dev_stop(id);
      rte_eth_dev_close(id);
    }
  }
}

}  // namespace tollgate::dataplane
