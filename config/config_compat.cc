#include "config/config_compat.h"

#include <fmt/format.h>

#include <algorithm>

#include "config/entity_index.h"

namespace tollgate::dataplane {
namespace {

std::string text(const std::string& s) {
  return "'" + s + "'";
}
std::string text(bool b) {
  return b ? "true" : "false";
}
std::string text(const net::Ipv4Address& a) {
  return a.to_string();
}
std::string text(const net::Ipv4Prefix& p) {
  return p.to_string();
}
std::string text(const std::optional<net::Ipv4Address>& a) {
  return a ? a->to_string() : "none";
}
std::string text(const std::optional<net::MacAddress>& m) {
  return m ? m->to_string() : "default";
}
std::string text(PortDriver d) {
  return std::string(port_driver_name(d));
}
std::string text(ListenerProtocol p) {
  return std::string(listener_protocol_name(p));
}
template <typename T>
requires std::is_arithmetic_v<T> std::string text(T v) {
  return fmt::format("{}", v);
}

struct Diff {
  std::vector<std::string> out;
  template <typename T>
  void check(const std::string& key, const T& a, const T& b) {
    if (!(a == b)) out.push_back(fmt::format("{}: {} → {}", key, text(a), text(b)));
  }
};

const PoolConfig* pool_named(const DataplaneConfig& c, const std::string& name) {
  const auto at =
      std::find_if(c.pools.begin(), c.pools.end(), [&](const PoolConfig& p) { return p.name == name; });
  return at == c.pools.end() ? nullptr : &*at;
}

bool is_http(const ListenerConfig& l) {
  return l.protocol == ListenerProtocol::kHttp || l.protocol == ListenerProtocol::kHttps;
}

}  // namespace

std::vector<std::string> restart_needed(const DataplaneConfig& a, const DataplaneConfig& b) {
  Diff d;
  const std::string dp = "dataplane.";
  d.check(dp + "cores", a.cores, b.cores);
  d.check(dp + "mbufs", a.mbufs, b.mbufs);
  d.check(dp + "burst", a.burst, b.burst);
  d.check(dp + "rx_descriptors", a.rx_descriptors, b.rx_descriptors);
  d.check(dp + "tx_descriptors", a.tx_descriptors, b.tx_descriptors);
  d.check(dp + "steering_ring_size", a.steering_ring_size, b.steering_ring_size);
  d.check(dp + "memory_mb", a.memory_mb, b.memory_mb);
  d.check(dp + "mbuf_reserve_percent", a.mbuf_reserve_percent, b.mbuf_reserve_percent);
  d.check(dp + "tls_record_buffers", a.tls_record_buffers, b.tls_record_buffers);
  d.check(dp + "access_log", a.access_log, b.access_log);
  d.check(dp + "access_log_ring_size", a.access_log_ring_size, b.access_log_ring_size);
  d.check("neighbour.capacity", a.neighbour.capacity, b.neighbour.capacity);
  d.check("neighbour.reachable_ms", a.neighbour.reachable_time, b.neighbour.reachable_time);
  d.check("neighbour.probe_interval_ms", a.neighbour.probe_interval, b.neighbour.probe_interval);
  d.check("neighbour.max_probes", a.neighbour.max_probes, b.neighbour.max_probes);
  d.check("tcp.max_connections", a.tcp.max_connections, b.tcp.max_connections);
  d.check("tcp.receive_window", a.tcp.receive_window, b.tcp.receive_window);
  d.check("tcp.send_buffer", a.tcp.send_buffer, b.tcp.send_buffer);
  d.check("tcp.sack", a.tcp.sack, b.tcp.sack);
  d.check("tcp.timestamps", a.tcp.timestamps, b.tcp.timestamps);
  if (a.tcp.cubic != b.tcp.cubic) {
    d.out.push_back(fmt::format("tcp.congestion_control: {} → {}", a.tcp.cubic ? "cubic" : "newreno",
                                b.tcp.cubic ? "cubic" : "newreno"));
  }
  d.check("tcp.syn_backlog", a.tcp.syn_backlog, b.tcp.syn_backlog);
  d.check("tcp.time_wait_ms", a.tcp.time_wait_ms, b.tcp.time_wait_ms);
  d.check("tcp.connect_timeout_ms", a.tcp.connect_timeout_ms, b.tcp.connect_timeout_ms);
  d.check("tcp.zero_window_timeout_ms", a.tcp.zero_window_timeout_ms, b.tcp.zero_window_timeout_ms);

  if (a.ports.size() != b.ports.size()) {
    d.out.push_back(fmt::format("ports: {} → {}", a.ports.size(), b.ports.size()));
  } else {
    for (size_t i = 0; i < a.ports.size(); ++i) {
      const PortConfig &pa = a.ports[i], &pb = b.ports[i];
      const std::string k = fmt::format("port[{}] '{}'.", i, pa.name);
      d.check(k + "name", pa.name, pb.name);
      d.check(k + "iface", pa.iface, pb.iface);
      d.check(k + "pci", pa.pci, pb.pci);
      d.check(k + "socket", pa.socket, pb.socket);
      d.check(k + "mac", pa.mac, pb.mac);
      d.check(k + "driver", pa.driver, pb.driver);
      d.check(k + "ipv4", pa.ipv4, pb.ipv4);
      d.check(k + "gateway", pa.gateway, pb.gateway);
      d.check(k + "busy_poll_budget", pa.busy_poll_budget, pb.busy_poll_budget);
    }
  }

  const size_t common = std::min(a.listeners.size(), b.listeners.size());
  for (size_t i = 0; i < common; ++i) {
    const ListenerConfig &la = a.listeners[i], &lb = b.listeners[i];
    const std::string k = fmt::format("listener[{}] '{}'.", i, la.name);
    d.check(k + "name", la.name, lb.name);
    d.check(k + "protocol", la.protocol, lb.protocol);
    d.check(k + "address", la.address, lb.address);
    d.check(k + "port", la.port, lb.port);
  }
  for (size_t i = common; i < a.listeners.size(); ++i)
    d.out.push_back(fmt::format("listener[{}] '{}': removed", i, a.listeners[i].name));
  for (size_t i = common; i < b.listeners.size(); ++i)
    d.out.push_back(fmt::format("listener[{}] '{}': added", i, b.listeners[i].name));
  return d.out;
}

std::vector<std::string> beyond_capacity(const DataplaneConfig& c, const shm::Capacities& caps) {
  std::vector<std::string> out;
  const EntityIndex index(c);
  const auto check = [&](const char* what, size_t n, uint32_t capacity) {
    if (n > capacity) out.push_back(fmt::format("{}: {} (the segment holds {})", what, n, capacity));
  };
  check("listeners", c.listeners.size(), caps.listeners);
  check("rules", index.rules(), caps.rules);
  check("pools", c.pools.size(), caps.pools);
  check("targets", index.targets(), caps.targets);
  return out;
}

std::string adoption_refusal(const DataplaneConfig& running, const DataplaneConfig& next,
                             const shm::Capacities& capacities) {
  const std::vector<std::string> restart = restart_needed(running, next);
  const std::vector<std::string> capacity = beyond_capacity(next, capacities);
  std::string out;
  if (!restart.empty()) out = fmt::format("needs a dataplane restart: {}", fmt::join(restart, "; "));
  if (!capacity.empty()) {
    if (!out.empty()) out += "; ";
    out += fmt::format("more than the shared segment was sized for (a restart sizes it anew): {}",
                       fmt::join(capacity, "; "));
  }
  return out;
}

bool same_l4_listener(const DataplaneConfig& running, const DataplaneConfig& next, size_t index) {
  if (index >= running.listeners.size() || index >= next.listeners.size()) return false;
  const ListenerConfig &a = running.listeners[index], &b = next.listeners[index];
  if (!(a == b)) return false;
  const PoolConfig* pa = pool_named(running, a.pool);
  const PoolConfig* pb = pool_named(next, b.pool);
  return pa && pb && pa->targets == pb->targets && pa->algorithm == pb->algorithm;
}

bool same_http(const DataplaneConfig& running, const DataplaneConfig& next) {
  if (running.pools != next.pools || running.listeners.size() != next.listeners.size()) return false;
  for (size_t i = 0; i < running.listeners.size(); ++i) {
    if (is_http(running.listeners[i]) && !(running.listeners[i] == next.listeners[i])) return false;
  }
  return true;
}

}  // namespace tollgate::dataplane
