// What the L2/L3 layer knows about one of our interfaces (a dataplane port).
#pragma once

#include <optional>

#include "engine/net/addresses.h"

namespace tollgate::net {

struct InterfaceConfig {
  MacAddress mac;
  Ipv4Prefix ipv4;                     // our address and the on-link prefix
  std::optional<Ipv4Address> gateway;  // next hop for destinations off the prefix
};

// The next hop for `destination` out of `iface`: itself when on-link, the gateway otherwise.
std::optional<Ipv4Address> next_hop(const InterfaceConfig& iface, Ipv4Address destination);

// Whether `a` may appear as the source of a packet addressed to us (RFC 1122 §3.2.1.3).
bool is_valid_remote_source(const InterfaceConfig& iface, Ipv4Address a);

}  // namespace tollgate::net
