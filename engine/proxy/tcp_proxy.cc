#include "engine/proxy/tcp_proxy.h"

#include "engine/proxy/splice.h"

#include <algorithm>

namespace tollgate::proxy {

balancing::TargetPool even_targets(const std::vector<Target>& targets) {
  std::vector<balancing::TargetState> states;
  states.reserve(targets.size());
  for (const Target& t : targets) states.push_back({t.address, t.port});
  return balancing::TargetPool(std::move(states), balancing::Algorithm::kRoundRobin, 1);
}

namespace {
// Idle timeouts are minutes: 100 ms slots, and a revolution of about 100 s (later deadlines wait their
// round).
constexpr uint64_t kIdleTickUs = 100'000;
constexpr uint32_t kIdleSlots = 1024;
}  // namespace

TcpProxy::TcpProxy(tcp::TcpStack& stack, net::Ipv4Address backend_source, balancing::TargetPool& targets,
                   uint32_t max_sessions, const uint64_t& now_us, uint64_t idle_timeout_us)
    : stack_(stack),
      backend_source_(backend_source),
      targets_(targets),
      sessions_(max_sessions),
      client_streams_(max_sessions),
      now_us_(now_us),
      idle_timeout_us_(idle_timeout_us),
      idle_timers_(kIdleTickUs, kIdleSlots, now_us) {}

TcpProxy::~TcpProxy() = default;

int TcpProxy::choose_target() {
  const int t = targets_.pick();
  if (t >= 0) return t;
  const int open = targets_.pick_fail_open();
  if (open >= 0) {
    counters_.fail_open.add();
  } else {
    counters_.no_target.add();
  }
  return open;
}

// A free session (made on first need: most listeners never hold their maximum), or nullptr (counted).
TcpProxy::Session* TcpProxy::acquire() {
  Session* s = sessions_.acquire([this](Session& made) {
    made.owner = this;
    made.backend.session = &made;
    made.idle_timer.owner = &made;
  });
  if (!s) counters_.backend_failures.add();
  return s;
}

bool TcpProxy::open(Session& s, PlainStream& down) {
  const int i = choose_target();
  if (i < 0) return false;
  const balancing::TargetState& t = targets_.target(i);
  tcp::Connection* b = stack_.connect(backend_source_, t.address, t.port, &s.backend, now_us_);
  if (!b) {
    counters_.backend_failures.add();
    return false;
  }
  targets_.begin(i);
  s.target = i;
  s.in_use = true;
  s.counted_client = false;
  s.backend_connected = s.client_shut = s.backend_shut = false;
  s.down = &down;
  down.events = &s;
  s.backend_connection = b;
  s.last_activity_us = now_us_;
  if (idle_timeout_us_) idle_timers_.schedule(s.idle_timer.node, now_us_ + idle_timeout_us_);
  ++active_;
  counters_.sessions.add();
  counters_.backend_connects.add();
  return true;
}

void TcpProxy::set_client_limits(const net::ClientLimits& limits, uint64_t hash_key) {
  limiter_.reset();
  if (limits.enabled()) limiter_.emplace(limits, hash_key);
}

tcp::StreamHandler* TcpProxy::on_accept(tcp::Connection& client) {
  const net::Ipv4Address address{client.tuple.remote_ip};
  bool counted = false;
  if (limiter_) {
    const net::ClientLimiter::Admission a = limiter_->admit_connection(address, now_us_);
    if (net::ClientLimiter::refused(a)) return nullptr;  // the stack resets the client
    counted = a == net::ClientLimiter::Admission::kTracked;
  }
  Session* s = acquire();
  TcpStream* stream = s ? client_streams_.acquire() : nullptr;
  if (stream) {
    stream->attach(stack_, client, now_us_);
    if (open(*s, *stream)) {
      s->client_stream = stream;
      s->counted_client = counted;
      return stream;
    }
    client_streams_.release(*stream);
  }
  if (s) sessions_.release(*s);
  if (counted) limiter_->connection_closed(address);
  return nullptr;  // the stack resets the client
}

StreamEvents* TcpProxy::attach(PlainStream& down) {
  Session* s = acquire();
  if (!s) return nullptr;
  if (open(*s, down)) return s;
  sessions_.release(*s);
  return nullptr;
}

void TcpProxy::to_backend(Session& s) {
  if (!s.down || !s.backend_connection) return;
  tcp::Connection& dst = *s.backend_connection;
  // Whatever does not fit waits for room on the backend side (on_writable).
  const uint64_t moved = stream_to_connection(stack_, *s.down, dst, now_us_, Unframed{}).moved;
  counters_.bytes_to_backend.add(moved);
  if (moved) s.last_activity_us = now_us_;
  // The client's end travels once every byte before it has been handed over (half-close).
  if (s.down && s.down->input_ended() && s.down->input().bytes() == 0 && !s.backend_shut) {
    s.backend_shut = true;
    stack_.shutdown(dst, now_us_);
  }
}

void TcpProxy::to_client(Session& s) {
  if (!s.down || !s.backend_connection) return;
  tcp::Connection& src = *s.backend_connection;
  PlainStream& dst = *s.down;
  const uint64_t moved = connection_to_stream(stack_, src, dst, now_us_, Unframed{}).moved;
  counters_.bytes_to_client.add(moved);
  if (moved) s.last_activity_us = now_us_;
  if (src.fin_received && src.receive_queue.bytes() == 0 && !s.client_shut) {
    s.client_shut = true;
    dst.shutdown();
  }
}

void TcpProxy::Session::stream_data() {
  // The client may send before the backend answered: the bytes wait in the backend's send queue.
  owner->to_backend(*this);
}

void TcpProxy::Session::stream_writable() {
  owner->to_client(*this);
}

void TcpProxy::Session::stream_closed() {
  owner->client_gone(*this);
}

// The backend connection's events (SessionTcpEvents).
void TcpProxy::tcp_connected(Session& s) {
  s.backend_connected = true;
  to_backend(s);
}

void TcpProxy::tcp_data(Session& s) {
  to_client(s);
}

void TcpProxy::tcp_peer_closed(Session& s) {
  to_client(s);
}

void TcpProxy::tcp_writable(Session& s) {
  to_backend(s);
}

void TcpProxy::tcp_closed(Session& s, tcp::CloseReason reason) {
  backend_gone(s, reason);
}

// The client stream is gone (closed after both FINs, or reset): a backend still open follows it.
void TcpProxy::client_gone(Session& s) {
  s.down = nullptr;
  if (s.backend_connection) {
    if (s.backend_shut) {
      // Orderly: the backend finishes sending what it holds, then closes too.
    } else {
      tcp::Connection* b = s.backend_connection;
      stack_.abort(*b);  // → backend_gone → frees the session
      return;
    }
  }
  maybe_free(s);
}

void TcpProxy::backend_gone(Session& s, tcp::CloseReason reason) {
  s.backend_connection = nullptr;
  if (!s.backend_connected) counters_.backend_failures.add();
  if (s.down) {
    if (reason == tcp::CloseReason::kNormal) {
      if (!s.client_shut) {
        s.client_shut = true;
        s.down->shutdown();
      }
    } else {
      // Reset, timeout, refused: an abortive close propagates as a RST (a dead backend is never a hang).
      s.down->abort();  // → stream_closed → client_gone → frees the session
      return;
    }
  }
  maybe_free(s);
}

void TcpProxy::abort_all() {
  sessions_.for_each_made([&](Session& s) {
    if (!s.in_use) return;
    if (s.backend_connection) {
      stack_.abort(*s.backend_connection);  // → backend_gone → the client is reset too
    } else if (s.down) {
      s.down->abort();  // → stream_closed → client_gone
    }
  });
}

void TcpProxy::expire(uint64_t now_us) {
  idle_timers_.advance(now_us,
                       [&](TimerNode& node) { idle_expired(OwnedTimer<Session>::owner_of(node), now_us); });
}

void TcpProxy::idle_expired(Session& s, uint64_t now_us) {
  if (!s.in_use) return;
  if (now_us - s.last_activity_us < idle_timeout_us_) {
    idle_timers_.schedule(s.idle_timer.node, s.last_activity_us + idle_timeout_us_);  // bytes moved since
    return;
  }
  counters_.idle_timeouts.add();
  if (s.backend_connection) {
    stack_.abort(*s.backend_connection);  // → backend_gone → the client is reset too
  } else if (s.down) {
    s.down->abort();  // → stream_closed → client_gone
  }
}

void TcpProxy::maybe_free(Session& s) {
  if (!s.in_use || s.down || s.backend_connection) return;
  idle_timers_.cancel(s.idle_timer.node);
  s.in_use = false;
  targets_.end(s.target);
  s.target = -1;
  if (s.counted_client) limiter_->connection_closed(s.client_stream->peer);
  s.counted_client = false;
  if (s.client_stream) client_streams_.release(*s.client_stream);
  s.client_stream = nullptr;
  --active_;
  sessions_.release(s);
}

}  // namespace tollgate::proxy
