// TLS offload at L4 (a "tls" listener): TlsTerminator ends TLS and TcpProxy forwards each connection's
// plaintext to a target of the listener's pool, opening the backend connection once the handshake is done
// (so the target is chosen, by health as TcpProxy does, when the handshake ends). `targets` must outlive
// it, as for TcpProxy.
#pragma once

#include <cstdint>
#include <vector>

#include "engine/proxy/tcp_proxy.h"
#include "engine/proxy/tls_terminator.h"

namespace tollgate::proxy {

class TlsProxy : public tcp::ListenerHandler {
 public:
  TlsProxy(tcp::TcpStack& stack, tls::AeadEngine& engine, const tls::ServerContext& context,
           net::Ipv4Address backend_source, balancing::TargetPool& targets, uint32_t max_sessions,
           const uint64_t& now_us, uint64_t handshake_timeout_us = 10'000'000,
           uint64_t idle_timeout_us = kDefaultL4IdleTimeoutUs)
      : forward_(stack, backend_source, targets, max_sessions, now_us, idle_timeout_us),
        tls_(stack, engine, context, forward_, max_sessions, now_us, handshake_timeout_us) {}

  tcp::StreamHandler* on_accept(tcp::Connection& client) override { return tls_.on_accept(client); }
  net::ClientLimiter* syn_screen() override { return tls_.syn_screen(); }
  void flush() { tls_.flush(); }
  void expire(uint64_t now_us) {
    tls_.expire(now_us);
    forward_.expire(now_us);
  }
  TlsTerminator& terminator() { return tls_; }
  // Per-client connection limits, applied by the TLS layer at accept, before any handshake work.
  void set_client_limits(const net::ClientLimits& limits, uint64_t hash_key) {
    tls_.set_client_limiter(nullptr);
    limiter_.reset();
    if (!limits.enabled()) return;
    limiter_.emplace(limits, hash_key);
    tls_.set_client_limiter(&*limiter_);
  }
  const net::ClientLimiter* client_limiter() const { return limiter_ ? &*limiter_ : nullptr; }
  // Resets every client, handshaking or established, and the backends (a generation's drain is over).
  void abort_all() {
    tls_.abort_all();
    forward_.abort_all();
  }

  const TlsCounters& counters() const { return tls_.counters(); }
  const ProxyCounters& forwarding() const { return forward_.counters(); }  // backend side
  // The forwarding's targets (health, weights) and what is outstanding to each (TcpProxy::sessions_to).
  TcpProxy& forwarder() { return forward_; }
  const TcpProxy& forwarder() const { return forward_; }
  size_t sessions_active() const { return tls_.sessions_active(); }
  // Forwarding sessions still open (a backend can outlive its client's TLS session after a half-close).
  size_t forwarding_active() const { return forward_.sessions_active(); }
  size_t buffers_lent() const { return tls_.buffers_lent(); }
  // An idle established connection: its TLS session and its forwarding session.
  static size_t session_bytes() { return TlsTerminator::session_bytes() + TcpProxy::session_bytes(); }

 private:
  std::optional<net::ClientLimiter> limiter_;  // first: the TLS layer points to it
  TcpProxy forward_;
  TlsTerminator tls_;
};

}  // namespace tollgate::proxy
