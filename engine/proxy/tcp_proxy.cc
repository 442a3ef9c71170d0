#include "engine/proxy/tcp_proxy.h"

#include <algorithm>

namespace tollgate::proxy {

TcpProxy::TcpProxy(tcp::TcpStack& stack, net::Ipv4Address backend_source, std::vector<Target> targets,
                   uint32_t max_sessions, const uint64_t& now_us)
    : stack_(stack),
      backend_source_(backend_source),
      targets_(std::move(targets)),
      sessions_(max_sessions),
      now_us_(now_us) {
  for (Session& s : sessions_) {
    s.proxy = this;
    s.client.session = s.backend.session = &s;
    s.client.peer = &s.backend;
    s.backend.peer = &s.client;
    s.client.is_client = true;
    free_.push_back(&s);
  }
}

TcpProxy::~TcpProxy() = default;

const Target& TcpProxy::next_target() {
  const Target& t = targets_[next_target_];
  next_target_ = (next_target_ + 1) % targets_.size();
  return t;
}

tcp::StreamHandler* TcpProxy::on_accept(tcp::Connection& client) {
  if (free_.empty() || targets_.empty()) {
    counters_.backend_failures.add();
    return nullptr;  // the stack resets the client
  }
  Session* s = free_.back();
  free_.pop_back();
  s->in_use = true;
  s->backend_connected = false;
  s->client.connection = &client;
  s->backend.connection = nullptr;
  ++active_;
  counters_.sessions.add();
  const Target& t = next_target();
  tcp::Connection* b = stack_.connect(backend_source_, t.address, t.port, &s->backend, now_us_);
  if (!b) {
    counters_.backend_failures.add();
    s->client.connection = nullptr;
    s->in_use = false;
    --active_;
    free_.push_back(s);
    return nullptr;
  }
  counters_.backend_connects.add();
  s->backend.connection = b;
  return &s->client;
}

void TcpProxy::pump(Side& from) {
  Side& to = *from.peer;
  if (!from.connection || !to.connection) return;
  tcp::Connection& src = *from.connection;
  tcp::Connection& dst = *to.connection;
  uint32_t moved = 0;
  for (tcp::Chunk* k = src.receive_queue.front(); k; k = k->next) {
    const uint32_t room = stack_.write_space(dst);
    if (room == 0) break;
    const uint32_t n = std::min(room, k->length);
    if (!stack_.write(dst, k->packet, k->offset, n, now_us_)) break;
    moved += n;
    if (n < k->length) break;
  }
  // Whatever is left waits for room on the other side: ask for on_writable.
  if (src.receive_queue.bytes() > moved) dst.write_blocked = true;
  if (moved) {
    (from.is_client ? counters_.bytes_to_backend : counters_.bytes_to_client).add(moved);
    stack_.consume(src, moved, now_us_);
  }
  // The peer's FIN travels once every byte before it has been handed over (half-close).
  if (src.fin_received && src.receive_queue.bytes() == 0 && to.connection) stack_.shutdown(dst, now_us_);
}

void TcpProxy::Side::on_connected(tcp::Connection&) {
  session->backend_connected = true;
  session->proxy->pump(*peer);  // the client may have sent before the backend answered
}

void TcpProxy::Side::on_data(tcp::Connection&) {
  if (!peer->connection) return;
  if (!is_client || session->backend_connected || peer->connection->state == tcp::TcpState::kSynSent) {
    session->proxy->pump(*this);
  }
}

void TcpProxy::Side::on_peer_closed(tcp::Connection&) {
  session->proxy->pump(*this);
}

void TcpProxy::Side::on_writable(tcp::Connection&) {
  session->proxy->pump(*peer);
}

void TcpProxy::Side::on_closed(tcp::Connection&, tcp::CloseReason reason) {
  session->proxy->end_side(*this, reason);
}

void TcpProxy::end_side(Side& side, tcp::CloseReason reason) {
  side.connection = nullptr;
  Side& other = *side.peer;
  if (!side.is_client && !side.session->backend_connected) counters_.backend_failures.add();
  if (other.connection) {
    if (reason == tcp::CloseReason::kNormal) {
      // Orderly: the other side finishes sending what it holds, then closes too.
      stack_.shutdown(*other.connection, now_us_);
    } else {
      // Reset, timeout, refused: abortive close propagates as a RST (a dead backend is never a hang).
      tcp::Connection* o = other.connection;
      stack_.abort(*o);  // calls other.on_closed → end_side(other) → frees the session
      return;
    }
  }
  maybe_free(*side.session);
}

void TcpProxy::maybe_free(Session& s) {
  if (!s.in_use || s.client.connection || s.backend.connection) return;
  s.in_use = false;
  --active_;
  free_.push_back(&s);
}

}  // namespace tollgate::proxy
