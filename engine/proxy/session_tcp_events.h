// A TCP connection's events, passed on to the proxy that owns the session the connection belongs to.
// Proxies keep one per session and connection (the L4 forwarder's backend side, the TLS layer's peer
// side); the owner implements tcp_connected, tcp_data, tcp_peer_closed, tcp_writable and tcp_closed, each
// taking the session, and befriends this template. One trampoline instead of one per proxy.
#pragma once

#include "engine/tcp/connection.h"

namespace tollgate::proxy {

// `Session` has an `owner` member pointing to its proxy.
template <typename Session>
class SessionTcpEvents final : public tcp::StreamHandler {
 public:
  Session* session = nullptr;

  void on_connected(tcp::Connection&) override { session->owner->tcp_connected(*session); }
  void on_data(tcp::Connection&) override { session->owner->tcp_data(*session); }
  void on_peer_closed(tcp::Connection&) override { session->owner->tcp_peer_closed(*session); }
  void on_writable(tcp::Connection&) override { session->owner->tcp_writable(*session); }
  void on_closed(tcp::Connection&, tcp::CloseReason reason) override {
    session->owner->tcp_closed(*session, reason);
  }
};

}  // namespace tollgate::proxy
