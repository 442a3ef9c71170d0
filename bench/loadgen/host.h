// The load generator's network host on one lcore: its DPDK ports (memif clients or NICs), ARP and
// neighbour tables (engine/net), and one userspace TCP stack (engine/tcp) shared by the client and backend
// roles, which tell their traffic apart by local address. Like a Tollgate worker, but with one core and no
// steering: every tuple is ours.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bench/loadgen/options.h"
#include "dataplane/mbuf_buffers.h"
#include "engine/net/flow_steering.h"
#include "engine/net/interface.h"
#include "engine/net/l2l3_counters.h"
#include "engine/net/neighbour_table.h"
#include "engine/tcp/stack.h"

struct rte_mbuf;
struct rte_mempool;

namespace tollgate::loadgen {

inline constexpr uint16_t kBurst = 32;

struct HostCounters {
  uint64_t rx_packets = 0, tx_packets = 0, rx_bytes = 0, tx_bytes = 0;
  uint64_t tx_full = 0;  // frames the device did not take (dropped)
  uint64_t no_mbuf = 0;
  uint64_t dropped = 0;  // frames the L2/L3 input refused, or not for a protocol we speak
};

class Host {
 public:
  // `devices[i]`: the ethdev name of options.ports[i] (created by the EAL from our --vdev/-a arguments).
  Host(const Options& options, rte_mempool* pool);
  ~Host();
  Host(const Host&) = delete;
  Host& operator=(const Host&) = delete;

  // Configures and starts the devices, then waits up to `wait_ms` for every link (memif: the server's
  // answer). False with `why` on failure.
  bool start(const std::vector<std::string>& devices, uint32_t wait_ms, std::string& why);
  void stop();
  bool any_link_up() const;
  // Polls until `ip` (a neighbour through `port`) answers ARP or `wait_ms` pass; false if it did not.
  bool resolve(size_t port, net::Ipv4Address ip, uint32_t wait_ms);

  // One poll iteration's parts: receive and handle every port's burst; run TCP timers; send what queued.
  uint32_t receive();
  void advance() { tcp_->advance(now_us_); }
  void flush();
  uint64_t tick();  // refreshes and returns the clock (µs, TSC based)
  uint64_t now_us() const { return now_us_; }
  const uint64_t& clock() const { return now_us_; }

  tcp::TcpStack& tcp() { return *tcp_; }
  const net::InterfaceConfig& iface(size_t port) const { return ports_[port].iface; }
  const HostCounters& counters() const { return counters_; }

  // Flood support: the MAC of `ip` on `port` if known (asks by ARP otherwise), a fresh mbuf, and a raw
  // frame to queue for sending (the caller built it whole).
  std::optional<net::MacAddress> neighbour(size_t port, net::Ipv4Address ip);
  rte_mbuf* allocate();
  void send_frame(size_t port, rte_mbuf* m);

 private:
  struct TxBuffer {
    std::array<rte_mbuf*, kBurst> packets{};
    uint16_t count = 0;
  };
  struct Port {
    uint16_t device = 0;
    net::InterfaceConfig iface;
    net::NeighbourTable<rte_mbuf*> neighbours{net::NeighbourConfig{}};
    TxBuffer tx;
  };

  void handle(size_t port, rte_mbuf* m);
  bool tcp_transmit(const tcp::OutgoingSegment& s);
  bool spread(const tcp::Tuple& t);
  void route(Port& p, rte_mbuf* m, net::Ipv4Address destination);
  void send_arp_request(Port& p, net::Ipv4Address target);
  void transmit(Port& p, rte_mbuf* m);
  void flush(Port& p);
  void drop(rte_mbuf* m);

  const Options& options_;
  rte_mempool* pool_;
  // Packet-sized buffers only: the client's records fit one packet, the backend's responses are packets.
  dataplane::BufferPools pools_;
  std::vector<Port> ports_;
  std::vector<uint8_t> port_by_device_;
  uint64_t tsc_per_us_ = 1;
  uint64_t now_us_ = 0;
  uint64_t next_timer_us_ = 0;
  uint16_t ip_id_ = 0;
  // A dataplane with N workers steers flows by the symmetric Toeplitz hash: our active opens take source
  // ports that give each of its workers (--queues N) their turn, as random clients would on average.
  net::FlowSteering steering_;
  uint16_t next_owner_ = 0;
  net::L2L3Counters l2l3_;
  HostCounters counters_;
  std::unique_ptr<tcp::TcpStack> tcp_;
};

}  // namespace tollgate::loadgen
