// A TCP connection's 4-tuple as seen from our side. Types only.
#pragma once

#include <cstdint>

namespace tollgate::tcp {

// Host byte order, like net::Ipv4Address. "Local" is our address and port, "remote" the peer's, whichever
// side opened the connection.
struct Tuple {
  uint32_t local_ip, remote_ip;
  uint16_t local_port, remote_port;
};

}  // namespace tollgate::tcp
