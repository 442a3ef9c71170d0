// A connection from this core to one target of a pool, and the interface of whoever is using it.
// Between requests a connection waits in its target's idle list (keep-alive), owned by the pool.
// Its bytes are a PlainStream: the TCP connection itself, or, for a pool that speaks TLS to its targets,
// the plaintext of a TLS connection whose records the core's TLS layer (client role) seals and opens.
#pragma once

#include <cstdint>

#include "engine/proxy/plain_stream.h"
#include "engine/proxy/tcp_stream.h"

namespace tollgate::proxy {

struct Upstream;

// The request currently riding an upstream connection gets its events.
class UpstreamOwner {
 public:
  virtual ~UpstreamOwner() = default;
  // The connection is ready for the request (TCP established; with TLS, the target verified too).
  virtual void upstream_connected(Upstream&) = 0;
  virtual void upstream_data(Upstream&) = 0;
  virtual void upstream_writable(Upstream&) = 0;
  // The target sends nothing more (FIN, or close_notify); what it sent before may still wait in input.
  virtual void upstream_peer_closed(Upstream&) = 0;
  // Last call: the connection is gone (refused, reset, timed out, handshake failed, or closed).
  virtual void upstream_closed(Upstream&) = 0;
};

class UpstreamPools;

struct Upstream final : StreamEvents {
  UpstreamPools* pools = nullptr;
  UpstreamOwner* owner = nullptr;  // nullptr while idle
  PlainStream* stream = nullptr;   // &tcp, or the TLS layer's stream; nullptr once the connection is gone
  TcpStream tcp;                   // the connection of a plain pool
  uint32_t pool = 0;
  int32_t target = -1;
  uint32_t requests = 0;  // served on this connection (reuse counting)
  bool connected = false;
  bool shut = false;      // our side is shut down (a tunnel's half-close)
  bool end_told = false;  // the owner has heard upstream_peer_closed
  bool in_use = false;
  bool idle = false;  // in its target's idle list
  uint64_t idle_since_us = 0;
  Upstream* prev = nullptr;  // idle list of the target, most recently used first
  Upstream* next = nullptr;

  void stream_connected() override;
  void stream_data() override;
  void stream_writable() override;
  void stream_closed() override;
};

}  // namespace tollgate::proxy
