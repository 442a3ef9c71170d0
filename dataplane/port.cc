#include "dataplane/port.h"

#include <fmt/format.h>
#include <rte_ethdev.h>
#include <rte_mempool.h>

#include <algorithm>
#include <cstdio>

namespace tollgate::dataplane {
namespace {

bool configure_rss(uint16_t port_id, const rte_eth_dev_info& info, const net::FlowSteering& steering,
                   rte_eth_conf& conf) {
  if (steering.cores() < 2 || info.flow_type_rss_offloads == 0 || info.hash_key_size != net::kRssKeySize) {
    return false;
  }
  (void)port_id;
  static net::RssKey key = net::symmetric_rss_key();
  conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
  conf.rx_adv_conf.rss_conf.rss_key = key.data();
  conf.rx_adv_conf.rss_conf.rss_key_len = static_cast<uint8_t>(key.size());
  conf.rx_adv_conf.rss_conf.rss_hf =
      info.flow_type_rss_offloads & (RTE_ETH_RSS_IPV4 | RTE_ETH_RSS_NONFRAG_IPV4_TCP | RTE_ETH_RSS_NONFRAG_IPV4_UDP);
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

bool setup_ports(const DataplaneConfig& config, const std::vector<std::string>& device_names, uint16_t workers,
                 const net::FlowSteering& steering, rte_mempool* pool, std::vector<Port>& out) {
  for (size_t i = 0; i < config.ports.size(); ++i) {
    const PortConfig& pc = config.ports[i];
    Port port;
    port.name = pc.name;
    port.device = device_names[i];
    port.driver = pc.driver;
    if (rte_eth_dev_get_port_by_name(port.device.c_str(), &port.id) != 0) {
      std::fprintf(stderr, "port %s: device %s was not created (is interface '%s' present?)\n", pc.name.c_str(),
                   port.device.c_str(), pc.iface.c_str());
      return false;
    }
    rte_eth_dev_info info{};
    if (int rc = rte_eth_dev_info_get(port.id, &info); rc != 0) {
      std::fprintf(stderr, "port %s: cannot read device info: %s\n", pc.name.c_str(), rte_strerror(-rc));
      return false;
    }
    if (info.max_rx_queues < workers || info.max_tx_queues < workers) {
      std::fprintf(stderr, "port %s: device offers %u rx / %u tx queues, %u workers need one each\n",
                   pc.name.c_str(), info.max_rx_queues, info.max_tx_queues, workers);
      return false;
    }
    rte_eth_conf conf{};
    if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM) {
      conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_IPV4_CKSUM;
      port.rx_ipv4_checksum = true;
    }
    if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM) {
      conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_IPV4_CKSUM;
      port.tx_ipv4_checksum = true;
    }
    const bool rss = configure_rss(port.id, info, steering, conf);
    if (int rc = rte_eth_dev_configure(port.id, workers, workers, &conf); rc != 0) {
      std::fprintf(stderr, "port %s: configure failed: %s\n", pc.name.c_str(), rte_strerror(-rc));
      return false;
    }
    uint16_t rx_desc = config.rx_descriptors, tx_desc = config.tx_descriptors;
    rte_eth_dev_adjust_nb_rx_tx_desc(port.id, &rx_desc, &tx_desc);
    const int socket = rte_eth_dev_socket_id(port.id);
    for (uint16_t q = 0; q < workers; ++q) {
      if (int rc = rte_eth_rx_queue_setup(port.id, q, rx_desc, socket < 0 ? 0 : socket, nullptr, pool); rc != 0) {
        std::fprintf(stderr, "port %s: rx queue %u setup failed: %s\n", pc.name.c_str(), q, rte_strerror(-rc));
        return false;
      }
      if (int rc = rte_eth_tx_queue_setup(port.id, q, tx_desc, socket < 0 ? 0 : socket, nullptr); rc != 0) {
        std::fprintf(stderr, "port %s: tx queue %u setup failed: %s\n", pc.name.c_str(), q, rte_strerror(-rc));
        return false;
      }
    }
    if (int rc = rte_eth_dev_start(port.id); rc != 0) {
      std::fprintf(stderr, "port %s: start failed: %s\n", pc.name.c_str(), rte_strerror(-rc));
      return false;
    }
    port.hardware_rss = rss && program_reta(port.id, info, steering);
    rte_ether_addr mac{};
    rte_eth_macaddr_get(port.id, &mac);
    std::copy(std::begin(mac.addr_bytes), std::end(mac.addr_bytes), port.iface.mac.bytes.begin());
    port.iface.ipv4 = pc.ipv4;
    port.iface.gateway = pc.gateway;
    rte_eth_link link{};
    rte_eth_link_get_nowait(port.id, &link);
    std::printf("port %s: %s (%s) mac %s ipv4 %s queues %u link %s %u Mb/s rx-csum %s rss %s\n", pc.name.c_str(),
                port.device.c_str(), std::string(port_driver_name(pc.driver)).c_str(),
                port.iface.mac.to_string().c_str(), pc.ipv4.to_string().c_str(), workers,
                link.link_status ? "up" : "down", link.link_speed, port.rx_ipv4_checksum ? "hw" : "sw",
                port.hardware_rss ? "hw" : "sw");
    out.push_back(std::move(port));
  }
  std::fflush(stdout);
  return true;
}

void stop_ports(const std::vector<Port>& ports) {
  for (const Port& p : ports) {
    rte_eth_dev_stop(p.id);
    rte_eth_dev_close(p.id);
  }
}

}  // namespace tollgate::dataplane
