#include "bench/loadgen/host.h"

#include <fmt/format.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include <algorithm>
#include <thread>

#include "dataplane/mbuf_buffers.h"
#include "engine/net/arp.h"
#include "engine/net/ethernet.h"
#include "engine/net/frame_input.h"
#include "engine/net/ipv4.h"
#include "engine/net/protocol_numbers.h"
#include "engine/tcp/segment_frame.h"

namespace tollgate::loadgen {
namespace {

std::span<uint8_t> frame_of(rte_mbuf* m) {
  return {rte_pktmbuf_mtod(m, uint8_t*), m->data_len};
}

constexpr uint64_t kTimerIntervalUs = 10'000;

}  // namespace

Host::Host(const Options& options, rte_mempool* pool)
    : options_(options), pool_(pool), pools_{pool, nullptr}, steering_(options.queues) {
  tsc_per_us_ = std::max<uint64_t>(1, rte_get_tsc_hz() / 1'000'000);
  now_us_ = rte_rdtsc() / tsc_per_us_;
  ports_.resize(options.ports.size());
  for (size_t i = 0; i < ports_.size(); ++i) {
    ports_[i].iface.ipv4 = options.ports[i].ipv4;
    ports_[i].iface.gateway = options.ports[i].gateway;
  }
  tcp::TcpConfig config;
  config.time_wait_us = options.time_wait_ms * 1000;
  config.syn_backlog = 65536;
  tcp::TcpEnvironment env;
  env.buffers = dataplane::mbuf_buffer_ops(&pools_);
  env.transmit = [](void* ctx, const tcp::OutgoingSegment& s) {
    return static_cast<Host*>(ctx)->tcp_transmit(s);
  };
  env.owns = [](void* ctx, const tcp::Tuple& t) { return static_cast<Host*>(ctx)->spread(t); };
  env.ctx = this;
  tcp_ = std::make_unique<tcp::TcpStack>(config, env, options.max_connections, now_us_);
}

Host::~Host() {
  tcp_.reset();  // connections hold mbuf references
  for (Port& p : ports_) {
    p.neighbours.clear([](rte_mbuf* m) { rte_pktmbuf_free(m); });
    for (uint16_t i = 0; i < p.tx.count; ++i) rte_pktmbuf_free(p.tx.packets[i]);
  }
}

bool Host::start(const std::vector<std::string>& devices, uint32_t wait_ms, std::string& why) {
  uint16_t max_id = 0;
  for (size_t i = 0; i < ports_.size(); ++i) {
    Port& p = ports_[i];
    if (rte_eth_dev_get_port_by_name(devices[i].c_str(), &p.device) != 0) {
      why = fmt::format("port {}: device {} was not created", i, devices[i]);
      return false;
    }
    max_id = std::max(max_id, p.device);
    rte_eth_conf conf{};
    const uint16_t queues = options_.queues;
    if (int rc = rte_eth_dev_configure(p.device, queues, queues, &conf); rc != 0) {
      why = fmt::format("port {}: configure: {}", i, rte_strerror(-rc));
      return false;
    }
    uint16_t rx = 1024, tx = 1024;
    rte_eth_dev_adjust_nb_rx_tx_desc(p.device, &rx, &tx);
    for (uint16_t q = 0; q < queues; ++q) {
      if (rte_eth_rx_queue_setup(p.device, q, rx, 0, nullptr, pool_) != 0 ||
          rte_eth_tx_queue_setup(p.device, q, tx, 0, nullptr) != 0) {
        why = fmt::format("port {}: queue {} setup failed", i, q);
        return false;
      }
    }
    if (int rc = rte_eth_dev_start(p.device); rc != 0) {
      why = fmt::format("port {}: start: {}", i, rte_strerror(-rc));
      return false;
    }
    rte_ether_addr mac{};
    rte_eth_macaddr_get(p.device, &mac);
    std::copy(std::begin(mac.addr_bytes), std::end(mac.addr_bytes), p.iface.mac.bytes.begin());
  }
  port_by_device_.assign(size_t{max_id} + 1, 0);
  for (size_t i = 0; i < ports_.size(); ++i) port_by_device_[ports_[i].device] = static_cast<uint8_t>(i);
  // memif: the link comes up once the server (Tollgate) has accepted us.
  for (uint32_t waited = 0;; waited += 50) {
    bool all = true;
    for (Port& p : ports_) {
      rte_eth_link link{};
      rte_eth_link_get_nowait(p.device, &link);
      all = all && link.link_status == RTE_ETH_LINK_UP;
    }
    if (all) break;
    if (waited >= wait_ms) {
      why = fmt::format("links not up after {} ms (is the dataplane running with these memif sockets?)",
                        wait_ms);
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  // Gratuitous ARP: the peer learns us before our first SYN needs an answer.
  tick();
  for (Port& p : ports_) {
    send_arp_request(p, p.iface.ipv4.address);
    flush(p);
  }
  return true;
}

bool Host::resolve(size_t port, net::Ipv4Address ip, uint32_t wait_ms) {
  const uint64_t end = tick() + uint64_t{wait_ms} * 1000;
  uint64_t next_ask = 0;
  while (tick() < end) {
    receive();
    tcp_->advance(now_us_);
    Port& p = ports_[port];
    const auto hop = net::next_hop(p.iface, ip);
    if (!hop) return false;
    if (p.neighbours.lookup(*hop, now_us_ / 1000)) return true;
    if (now_us_ >= next_ask) {
      send_arp_request(p, *hop);
      next_ask = now_us_ + 200'000;
    }
    flush();
  }
  return false;
}

bool Host::any_link_up() const {
  for (const Port& p : ports_) {
    rte_eth_link link{};
    rte_eth_link_get_nowait(p.device, &link);
    if (link.link_status == RTE_ETH_LINK_UP) return true;
  }
  return false;
}

void Host::stop() {
  for (Port& p : ports_) {
    flush(p);
    rte_eth_dev_stop(p.device);
  }
}

uint64_t Host::tick() {
  now_us_ = rte_rdtsc() / tsc_per_us_;
  if (now_us_ >= next_timer_us_) {
    next_timer_us_ = now_us_ + kTimerIntervalUs;
    for (Port& p : ports_) {
      p.neighbours.expire(
          now_us_ / 1000, [&](net::Ipv4Address ip) { send_arp_request(p, ip); },
          [&](rte_mbuf* m) { drop(m); });
    }
  }
  return now_us_;
}

uint32_t Host::receive() {
  std::array<rte_mbuf*, kBurst> burst;
  uint32_t handled = 0;
  for (size_t i = 0; i < ports_.size(); ++i) {
    for (uint16_t q = 0; q < options_.queues; ++q) {
      const uint16_t n = rte_eth_rx_burst(ports_[i].device, q, burst.data(), kBurst);
      for (uint16_t k = 0; k < n; ++k) {
        counters_.rx_bytes += burst[k]->pkt_len;
        handle(i, burst[k]);
      }
      counters_.rx_packets += n;
      handled += n;
    }
  }
  return handled;
}

void Host::handle(size_t index, rte_mbuf* m) {
  if (m->nb_segs != 1) return drop(m);
  Port& p = ports_[index];
  const net::FrameVerdict v = net::handle_frame(p.iface, frame_of(m), {}, l2l3_);
  if (v.neighbour) {
    p.neighbours.learn(v.neighbour->ip, v.neighbour->mac, now_us_ / 1000, v.neighbour->create,
                       [&](rte_mbuf* queued, const net::MacAddress& mac) {
                         net::write_ethernet(frame_of(queued), mac, p.iface.mac, net::EtherType::kIpv4);
                         transmit(p, queued);
                       });
  }
  switch (v.action) {
    case net::FrameAction::kDrop:
      return drop(m);
    case net::FrameAction::kConsumed:
      rte_pktmbuf_free(m);
      return;
    case net::FrameAction::kTransmit:
      return transmit(p, m);
    case net::FrameAction::kRoute:
      return route(p, m, v.route_to);
    case net::FrameAction::kDeliver:
      if (v.l4_protocol != static_cast<uint8_t>(net::IpProtocol::kTcp)) return drop(m);
      tcp_->input(m, v.l4_offset,
                  std::span<const uint8_t>(rte_pktmbuf_mtod(m, const uint8_t*) + v.l4_offset, v.l4_length),
                  v.source, v.destination, false, now_us_);
      rte_pktmbuf_free(m);
      return;
  }
}

bool Host::spread(const tcp::Tuple& t) {
  if (steering_.cores() < 2) return true;
  const net::FlowKey key{net::Ipv4Address{t.local_ip}, net::Ipv4Address{t.remote_ip}, t.local_port,
                         t.remote_port, static_cast<uint8_t>(net::IpProtocol::kTcp)};
  if (steering_.owner(key) != next_owner_) return false;
  next_owner_ = static_cast<uint16_t>((next_owner_ + 1) % steering_.cores());
  return true;
}

bool Host::tcp_transmit(const tcp::OutgoingSegment& s) {
  Port* port = nullptr;
  for (Port& p : ports_) {
    if (p.iface.ipv4.address.value == s.tuple->local_ip) port = &p;
  }
  if (!port) return false;
  rte_mbuf* m = allocate();
  if (!m) return false;
  const size_t total = tcp::segment_frame_size(s);
  auto* data = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, static_cast<uint16_t>(total)));
  if (!data) {
    rte_pktmbuf_free(m);
    ++counters_.no_mbuf;
    return false;
  }
  tcp::write_segment_frame({data, total}, s, tcp_->buffers(), ip_id_++);
  const net::Ipv4Address remote{s.tuple->remote_ip};
  route(*port, m, remote);
  return true;
}

void Host::route(Port& p, rte_mbuf* m, net::Ipv4Address destination) {
  const auto hop = net::next_hop(p.iface, destination);
  if (!hop) return drop(m);
  const auto r = p.neighbours.resolve(*hop, m, now_us_ / 1000);
  using Outcome = net::NeighbourTable<rte_mbuf*>::Outcome;
  switch (r.outcome) {
    case Outcome::kResolved:
      net::write_ethernet(frame_of(m), r.mac, p.iface.mac, net::EtherType::kIpv4);
      return transmit(p, m);
    case Outcome::kStale:
      net::write_ethernet(frame_of(m), r.mac, p.iface.mac, net::EtherType::kIpv4);
      transmit(p, m);
      return send_arp_request(p, *hop);
    case Outcome::kQueued:
      return send_arp_request(p, *hop);
    case Outcome::kQueuedWait:
      return;
    case Outcome::kQueueFull:
    case Outcome::kTableFull:
      return drop(m);
  }
}

std::optional<net::MacAddress> Host::neighbour(size_t port, net::Ipv4Address ip) {
  Port& p = ports_[port];
  const auto hop = net::next_hop(p.iface, ip);
  if (!hop) return std::nullopt;
  if (auto mac = p.neighbours.lookup(*hop, now_us_ / 1000)) return mac;
  send_arp_request(p, *hop);
  return std::nullopt;
}

rte_mbuf* Host::allocate() {
  rte_mbuf* m = rte_pktmbuf_alloc(pool_);
  if (!m) ++counters_.no_mbuf;
  return m;
}

void Host::send_frame(size_t port, rte_mbuf* m) {
  transmit(ports_[port], m);
}

void Host::send_arp_request(Port& p, net::Ipv4Address target) {
  rte_mbuf* m = allocate();
  if (!m) return;
  char* data = rte_pktmbuf_append(m, net::kEthernetMinFrameSize);
  net::build_arp_request({reinterpret_cast<uint8_t*>(data), net::kEthernetMinFrameSize}, p.iface.mac,
                         p.iface.ipv4.address, target);
  transmit(p, m);
}

void Host::transmit(Port& p, rte_mbuf* m) {
  p.tx.packets[p.tx.count++] = m;
  if (p.tx.count == kBurst) flush(p);
}

void Host::flush() {
  for (Port& p : ports_) flush(p);
}

void Host::flush(Port& p) {
  if (p.tx.count == 0) return;
  uint64_t bytes = 0;
  for (uint16_t i = 0; i < p.tx.count; ++i) bytes += p.tx.packets[i]->pkt_len;
  // memif rings are shallow next to a burst of handshakes: retry a few times before calling it loss.
  uint16_t sent = 0;
  for (int attempt = 0; attempt < 8 && sent < p.tx.count; ++attempt)
    sent += rte_eth_tx_burst(p.device, 0, p.tx.packets.data() + sent, p.tx.count - sent);
  for (uint16_t i = sent; i < p.tx.count; ++i) {
    bytes -= p.tx.packets[i]->pkt_len;
    ++counters_.tx_full;
    rte_pktmbuf_free(p.tx.packets[i]);
  }
  counters_.tx_packets += sent;
  counters_.tx_bytes += bytes;
  p.tx.count = 0;
}

void Host::drop(rte_mbuf* m) {
  ++counters_.dropped;
  rte_pktmbuf_free(m);
}

}  // namespace tollgate::loadgen
