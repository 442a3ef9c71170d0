// The L4 proxy: each client stream is paired with a backend connection opened on the same core, and bytes
// are spliced both ways without copying (chunks move from one side's receive queue to the other's send
// queue). The client stream is the TCP connection itself on a "tcp" listener, or the plaintext of a TLS
// connection on a "tls" listener (TlsTerminator attaches it once the handshake is done). Back-pressure:
// bytes leave a receive queue only as fast as the other side takes them, so a slow reader closes the fast
// sender's window.
//
// Targets obey health as an AWS NLB's do: a new connection goes to a target of the balancing::TargetPool
// the proxy is given (it references the pool, never owns it: its owner outlives the proxy) — healthy (or not
// yet checked), in service, weight above 0, by the pool's algorithm and weights — which the core's
// HealthApplier keeps up to date at its timer tick. When no target is healthy the proxy fails open: it picks
// among the unhealthy ones still in service (a health check that wrongly fails everything must not black-hole
// the listener), counted as fail_open; when none is in service (every target drained, disabled or weighted 0)
// the client is reset, counted as no_target. Health never touches an established session. Each session holds
// its target's `outstanding` count (TargetPool::begin/ end) from the backend connect to the end of the
// session: least outstanding is least connections here, and a drain waits for it.
//
// Idle sessions: a session in which no byte has moved either way for the listener's idle timeout (an AWS
// NLB's 350 s by default) is ended with a reset to both sides, counted as idle_timeouts; otherwise a peer
// that opens a session and goes quiet pins it, its backend connection and their buffers for ever. Each
// session's timer sits on the proxy's own timing wheel (TimerWheel, stepped by expire()), armed once
// per deadline: moving bytes only stamps the session, and an expiry that finds a later stamp re-arms.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "engine/balancing/target_pool.h"
#include "engine/common/counter.h"
#include "engine/common/object_pool.h"
#include "engine/common/timer_wheel.h"
#include "engine/net/addresses.h"
#include "engine/net/client_limiter.h"
#include "engine/proxy/session_tcp_events.h"
#include "engine/proxy/tcp_stream.h"
#include "engine/tcp/stack.h"

namespace tollgate::proxy {

struct Target {
  net::Ipv4Address address;
  uint16_t port = 0;
};

struct ProxyCounters {
  Counter sessions;          // client streams accepted
  Counter backend_connects;  // backend connections opened
  Counter backend_failures;  // refused, timed out, or no slot: the client is reset
  Counter fail_open;         // no healthy target: one out only for its health was chosen
  Counter no_target;         // no target in service (all drained, disabled or weight 0): the client is reset
  Counter bytes_to_backend;
  Counter bytes_to_client;
  Counter idle_timeouts;  // sessions with no byte moving for the idle timeout: both sides reset
};

inline constexpr uint64_t kDefaultL4IdleTimeoutUs = 350'000'000;  // an AWS NLB's TCP idle timeout

// Targets of equal weight in round robin, all healthy (tests).
balancing::TargetPool even_targets(const std::vector<Target>& targets);

// One listener's L4 proxy on one core. Sessions come from a fixed pool sized at construction.
class TcpProxy : public tcp::ListenerHandler, public StreamApplication {
 public:
  // idle_timeout_us: 0 for none.
  // `targets` must outlive the proxy.
  TcpProxy(tcp::TcpStack& stack, net::Ipv4Address backend_source, balancing::TargetPool& targets,
           uint32_t max_sessions, const uint64_t& now_us, uint64_t idle_timeout_us = kDefaultL4IdleTimeoutUs);
  ~TcpProxy() override;

  // A plaintext client connection ("tcp" listeners).
  tcp::StreamHandler* on_accept(tcp::Connection& client) override;
  net::ClientLimiter* syn_screen() override { return limiter_ ? &*limiter_ : nullptr; }
  // A client stream another layer carries (TLS): nullptr when no session or backend connection can be
  // had (the caller resets the client).
  StreamEvents* attach(PlainStream& down) override;

  // Resets every session's client and backend (a config generation's drain time is over).
  void abort_all();
  // Resets the sessions idle past the idle timeout. Called by the core's timers.
  void expire(uint64_t now_us);

  // Per-client connection limits of a "tcp" listener, applied at accept (reset). The count is given
  // back when the session ends; a client let through untracked (the table was full) may then give back
  // another connection's count of the same address: the table errs towards letting clients in.
  void set_client_limits(const net::ClientLimits& limits, uint64_t hash_key);
  const net::ClientLimiter* client_limiter() const { return limiter_ ? &*limiter_ : nullptr; }

  const ProxyCounters& counters() const { return counters_; }
  size_t sessions_active() const { return active_; }
  // The pool's targets this listener picks from: the health applier sets their health and weights.
  balancing::TargetPool& targets() { return targets_; }
  const balancing::TargetPool& targets() const { return targets_; }
  // What the pool has outstanding to target i (its position in the pool): this listener's sessions to it
  // plus those of every other listener on the pool (HTTP requests in flight, other tcp/tls listeners').
  uint32_t sessions_to(int i) const { return targets_.target(i).outstanding; }
  static size_t session_bytes() { return sizeof(Session); }

 private:
  struct Session;
  struct Session : StreamEvents {
    TcpProxy* owner = nullptr;
    // A "tcp" listener's client stream (from client_streams_); nullptr when forwarding a stream another
    // layer carries (TLS), which then pays no bytes for it: idle TLS connections are budgeted.
    TcpStream* client_stream = nullptr;
    PlainStream* down = nullptr;
    SessionTcpEvents<Session> backend;  // the backend connection's events
    tcp::Connection* backend_connection = nullptr;
    bool backend_connected : 1 = false;
    bool client_shut : 1 = false;   // our side of the client stream is shut down
    bool backend_shut : 1 = false;  // FIN sent to the backend
    bool in_use : 1 = false;
    bool counted_client : 1 = false;  // counted in limiter_ (a "tcp" listener's client) until freed
    int target = -1;                  // position in targets_ while in use
    OwnedTimer<Session> idle_timer;   // armed while in use, for last_activity_us + the idle timeout
    uint64_t last_activity_us = 0;    // when a byte last moved either way
    void stream_data() override;
    void stream_writable() override;
    void stream_closed() override;
  };

  template <typename>
  friend class SessionTcpEvents;
  void tcp_connected(Session& s);
  void tcp_data(Session& s);
  void tcp_peer_closed(Session& s);
  void tcp_writable(Session& s);
  void tcp_closed(Session& s, tcp::CloseReason reason);
  Session* acquire();
  bool open(Session& s, PlainStream& down);  // false: no target or connection; `s` is still free
  void to_backend(Session& s);               // what the client sent, into the backend's send buffer
  void to_client(Session& s);                // what the backend sent, into the client stream
  void client_gone(Session& s);
  void backend_gone(Session& s, tcp::CloseReason reason);
  void maybe_free(Session& s);
  void idle_expired(Session& s, uint64_t now_us);
  int choose_target();  // -1: none in service

  tcp::TcpStack& stack_;
  net::Ipv4Address backend_source_;
  balancing::TargetPool& targets_;
  ObjectPool<Session> sessions_;
  ObjectPool<TcpStream> client_streams_;
  size_t active_ = 0;
  const uint64_t& now_us_;
  ProxyCounters counters_;
  uint64_t idle_timeout_us_;
  std::optional<net::ClientLimiter> limiter_;
  // After sessions_: the wheel unlinks the nodes still scheduled when it goes, so it must go first.
  TimerWheel idle_timers_;
};

}  // namespace tollgate::proxy
