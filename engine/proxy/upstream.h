// A connection from this core to one target of a pool, and the interface of whoever is using it.
// Between requests a connection waits in its target's idle list (keep-alive), owned by the pool.
#pragma once

#include <cstdint>

#include "engine/tcp/connection.h"

namespace tollgate::proxy {

struct Upstream;

// The request currently riding an upstream connection gets its events.
class UpstreamOwner {
 public:
  virtual ~UpstreamOwner() = default;
  virtual void upstream_connected(Upstream&) = 0;
  virtual void upstream_data(Upstream&) = 0;
  virtual void upstream_writable(Upstream&) = 0;
  virtual void upstream_peer_closed(Upstream&) = 0;
  // Last call: the connection is gone (refused, reset, timed out or closed after FIN).
  virtual void upstream_closed(Upstream&, tcp::CloseReason) = 0;
};

class UpstreamPools;

struct Upstream final : tcp::StreamHandler {
  UpstreamPools* pools = nullptr;
  UpstreamOwner* owner = nullptr;  // nullptr while idle
  tcp::Connection* connection = nullptr;
  uint32_t pool = 0;
  int32_t target = -1;
  uint32_t requests = 0;  // served on this connection (reuse counting)
  bool connected = false;
  bool in_use = false;
  bool idle = false;  // in its target's idle list
  uint64_t idle_since_us = 0;
  Upstream* prev = nullptr;  // idle list of the target, most recently used first
  Upstream* next = nullptr;

  void on_connected(tcp::Connection&) override;
  void on_data(tcp::Connection&) override;
  void on_peer_closed(tcp::Connection&) override;
  void on_writable(tcp::Connection&) override;
  void on_closed(tcp::Connection&, tcp::CloseReason) override;
};

}  // namespace tollgate::proxy
