#include "engine/net/interface.h"

namespace tollgate::net {

std::optional<Ipv4Address> next_hop(const InterfaceConfig& iface, Ipv4Address destination) {
  if (iface.ipv4.contains(destination)) return destination;
  return iface.gateway;
}

bool is_valid_remote_source(const InterfaceConfig& iface, Ipv4Address a) {
  const uint32_t v = a.value;
  if (v == 0 || v == 0xffffffffu) return false;
  if ((v >> 24) == 127) return false;         // loopback never arrives on a wire
  if ((v >> 28) == 0xe) return false;         // multicast
  if (a == iface.ipv4.address) return false;  // spoofed as us
  if (iface.ipv4.length < 31 && a == iface.ipv4.broadcast()) return false;
  return true;
}

}  // namespace tollgate::net
