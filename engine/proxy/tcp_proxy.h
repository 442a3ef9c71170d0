// The L4 TCP proxy: each accepted client connection is paired with a backend connection opened on the
// same core, and bytes are spliced both ways without copying (chunks move from one connection's
// receive queue to the other's send queue). Back-pressure: bytes leave a receive queue only as fast as
// the other side's send buffer takes them, so a slow reader closes the fast sender's window.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "engine/net/addresses.h"
#include "engine/tcp/stack.h"

namespace tollgate::proxy {

struct Target {
  net::Ipv4Address address;
  uint16_t port = 0;
};

struct ProxyCounters {
  Counter sessions;          // client connections accepted
  Counter backend_connects;  // backend connections opened
  Counter backend_failures;  // refused, timed out, or no slot: the client is reset
  Counter bytes_to_backend;
  Counter bytes_to_client;
};

// One TCP listener's proxy on one core. Sessions come from a fixed pool sized at construction.
class TcpProxy : public tcp::ListenerHandler {
 public:
  TcpProxy(tcp::TcpStack& stack, net::Ipv4Address backend_source, std::vector<Target> targets,
           uint32_t max_sessions, const uint64_t& now_us);
  ~TcpProxy() override;

  tcp::StreamHandler* on_accept(tcp::Connection& client) override;

  const ProxyCounters& counters() const { return counters_; }
  size_t sessions_active() const { return active_; }

 private:
  struct Session;
  // One direction's endpoint: forwards what its connection receives to the peer endpoint's connection.
  class Side : public tcp::StreamHandler {
   public:
    Session* session = nullptr;
    Side* peer = nullptr;
    tcp::Connection* connection = nullptr;
    bool is_client = false;
    void on_connected(tcp::Connection& c) override;
    void on_data(tcp::Connection& c) override;
    void on_peer_closed(tcp::Connection& c) override;
    void on_writable(tcp::Connection& c) override;
    void on_closed(tcp::Connection& c, tcp::CloseReason reason) override;
  };
  struct Session {
    TcpProxy* proxy = nullptr;
    Side client;
    Side backend;
    bool backend_connected = false;
    bool in_use = false;
  };

  void pump(Side& from);  // move what `from` received into its peer's send buffer
  void end_side(Side& side, tcp::CloseReason reason);
  void maybe_free(Session& s);
  const Target& next_target();

  tcp::TcpStack& stack_;
  net::Ipv4Address backend_source_;
  std::vector<Target> targets_;
  size_t next_target_ = 0;
  std::vector<Session> sessions_;
  std::vector<Session*> free_;
  size_t active_ = 0;
  const uint64_t& now_us_;
  ProxyCounters counters_;
};

}  // namespace tollgate::proxy
