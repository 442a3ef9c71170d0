// TcpStack: pools, the connection table, listeners and the application-facing calls.
#include "engine/tcp/stack.h"

#include <algorithm>

namespace tollgate::tcp {
namespace {

constexpr uint16_t kEphemeralFirst = 32768;
constexpr uint16_t kEphemeralCount = 28232;  // 32768-60999, Linux's default range
constexpr uint64_t kTimerTickUs = 1000;
constexpr uint32_t kTimerSlots = 4096;

size_t hash_tuple(const Tuple& t) {
  uint64_t x = (uint64_t{t.remote_ip} << 32 | t.local_ip) ^
               (uint64_t{t.remote_port} << 16 | t.local_port) * 0x9e3779b97f4a7c15ull;
  x ^= x >> 29;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 32;
  return static_cast<size_t>(x);
}

bool same_tuple(const Tuple& a, const Tuple& b) {
  return a.local_ip == b.local_ip && a.remote_ip == b.remote_ip && a.local_port == b.local_port &&
         a.remote_port == b.remote_port;
}

}  // namespace

TcpStack::TcpStack(const TcpConfig& config, const TcpEnvironment& env, uint32_t max_connections,
                   uint64_t now_us)
    : config_(config),
      env_(env),
      chunks_(size_t{max_connections} * 8 + 4096),
      timers_(kTimerTickUs, kTimerSlots, now_us),
      isn_(KeyedHash::random_key()),
      cookies_(KeyedHash::random_key()),
      connections_(max_connections) {
  for (size_t i = 0; i < connections_.size(); ++i) {
    connections_[i].index = static_cast<uint32_t>(i);
    connections_[i].next_free = i + 1 < connections_.size() ? &connections_[i + 1] : nullptr;
  }
  free_ = connections_.empty() ? nullptr : &connections_[0];
  size_t table_size = 16;
  while (table_size < size_t{max_connections} * 2) table_size <<= 1;
  table_.assign(table_size, nullptr);
  table_mask_ = table_size - 1;
  // Out-of-order queues are big (a fixed segment array); only connections with a hole hold one.
  const size_t reassembly_count = std::max<size_t>(16, max_connections / 64);
  for (size_t i = 0; i < reassembly_count; ++i) {
    reassembly_pool_.push_back(std::make_unique<Reassembly>(config_.reassembly_bytes));
    reassembly_free_.push_back(reassembly_pool_.back().get());
  }
  ephemeral_cursor_ = static_cast<uint16_t>(now_us % kEphemeralCount);
}

TcpStack::~TcpStack() {
  for (Connection& c : connections_) {
    // The wheel outlives nothing: unlink every node before the connections' storage goes away.
    timers_.cancel(c.retransmit_timer);
    timers_.cancel(c.ack_timer);
    timers_.cancel(c.life_timer);
    if (c.state == TcpState::kClosed) continue;
    c.send_queue.clear(chunks_, env_.buffers);
    c.receive_queue.clear(chunks_, env_.buffers);
    release_rx_pack(c);
    release_reassembly(c);
  }
}

bool TcpStack::listen(net::Ipv4Address address, uint16_t port, ListenerHandler* handler,
                      uint32_t max_connections, const net::AddressAllowList* allowed_clients) {
  if (find_listener(address, port)) return false;
  Listener l;
  l.address = address;
  l.port = port;
  l.handler = handler;
  l.max_connections = max_connections;
  l.allowed_clients = allowed_clients;
  listeners_.push_back(l);
  return true;
}

bool TcpStack::set_handler(net::Ipv4Address address, uint16_t port, ListenerHandler* handler,
                           uint32_t max_connections, const net::AddressAllowList* allowed_clients) {
  for (Listener& l : listeners_) {
    if (l.port != port || l.address != address) continue;
    l.handler = handler;
    l.max_connections = max_connections;
    l.allowed_clients = allowed_clients;
    return true;
  }
  return false;
}

const Listener* TcpStack::listener(net::Ipv4Address address, uint16_t port) const {
  for (const Listener& l : listeners_) {
    if (l.port == port && l.address == address) return &l;
  }
  return nullptr;
}

Listener* TcpStack::find_listener(net::Ipv4Address address, uint16_t port) {
  for (Listener& l : listeners_) {
    if (l.port == port && (l.address == address || l.address.is_zero())) return &l;
  }
  return nullptr;
}

Connection* TcpStack::find(const Tuple& t) const {
  for (size_t i = hash_tuple(t) & table_mask_;; i = (i + 1) & table_mask_) {
    Connection* c = table_[i];
    if (!c) return nullptr;
    if (same_tuple(c->tuple, t)) return c;
  }
}

void TcpStack::table_insert(Connection& c) {
  size_t i = hash_tuple(c.tuple) & table_mask_;
  while (table_[i]) i = (i + 1) & table_mask_;
  table_[i] = &c;
}

void TcpStack::table_erase(Connection& c) {
  size_t i = hash_tuple(c.tuple) & table_mask_;
  while (table_[i] != &c) i = (i + 1) & table_mask_;
  // Backward-shift deletion keeps probe chains intact without tombstones.
  size_t hole = i;
  for (size_t j = (i + 1) & table_mask_; table_[j]; j = (j + 1) & table_mask_) {
    const size_t home = hash_tuple(table_[j]->tuple) & table_mask_;
    const bool movable = (hole <= j) ? (home <= hole || home > j) : (home <= hole && home > j);
    if (movable) {
      table_[hole] = table_[j];
      hole = j;
    }
  }
  table_[hole] = nullptr;
}

Connection* TcpStack::allocate(const Tuple& t, uint64_t now_us) {
  Connection* c = free_;
  if (!c) {
    counters_.no_memory.add();
    return nullptr;
  }
  free_ = c->next_free;
  const uint32_t index = c->index;
  c->~Connection();
  new (c) Connection();
  c->index = index;
  c->tuple = t;
  c->last_activity_us = now_us;
  c->rtt = RttEstimator(RtoConfig{config_.min_rto_us, config_.max_rto_us, config_.initial_rto_us, 1000});
  ++used_;
  counters_.active.add();
  table_insert(*c);
  return c;
}

void TcpStack::release(Connection& c) {
  if (c.state == TcpState::kClosed) return;  // closed again from its own on_closed: released once
  timers_.cancel(c.retransmit_timer);
  timers_.cancel(c.ack_timer);
  timers_.cancel(c.life_timer);
  c.send_queue.clear(chunks_, env_.buffers);
  c.receive_queue.clear(chunks_, env_.buffers);
  release_rx_pack(c);
  release_reassembly(c);
  if (c.listener) {
    if (c.state == TcpState::kSynReceived && c.listener->half_open) --c.listener->half_open;
    if (c.listener->connections) --c.listener->connections;
    c.listener = nullptr;
  }
  table_erase(c);
  c.state = TcpState::kClosed;
  c.handler = nullptr;
  // Not on the free list yet: code up the call stack may still hold `c` (see EntryScope).
  c.next_free = closed_;
  closed_ = &c;
  counters_.active.set(counters_.active.get() - 1);
  counters_.closed.add();
}

void TcpStack::recycle_closed() {
  while (Connection* c = closed_) {
    closed_ = c->next_free;
    c->next_free = free_;
    free_ = c;
    --used_;
  }
}

// Tells the application (once) and recycles the connection.
void TcpStack::close_connection(Connection& c, CloseReason reason) {
  StreamHandler* h = c.handler;
  c.handler = nullptr;
  if (h) h->on_closed(c, reason);
  release(c);
}

Reassembly* TcpStack::reassembly_of(Connection& c) {
  if (!c.reassembly && !reassembly_free_.empty()) {
    c.reassembly = reassembly_free_.back();
    reassembly_free_.pop_back();
  }
  return c.reassembly;
}

void TcpStack::release_reassembly(Connection& c) {
  if (!c.reassembly) return;
  c.reassembly->clear([this](PacketRef p) { env_.buffers.drop(p); });
  reassembly_free_.push_back(c.reassembly);
  c.reassembly = nullptr;
}

uint16_t TcpStack::next_ephemeral_port() {
  ephemeral_cursor_ = static_cast<uint16_t>((ephemeral_cursor_ + 1) % kEphemeralCount);
  return static_cast<uint16_t>(kEphemeralFirst + ephemeral_cursor_);
}

Connection* TcpStack::connect(net::Ipv4Address local, net::Ipv4Address remote, uint16_t remote_port,
                              StreamHandler* handler, uint64_t now_us) {
  const EntryScope entry(*this);
  Tuple t{local.value, remote.value, 0, remote_port};
  // Draw ports until the reply's flow hashes to this core and the tuple is free (replies come home by
  // construction; see docs/ARCHITECTURE.md, "Flow ownership and steering").
  bool found = false;
  for (uint32_t tries = 0; tries < kEphemeralCount; ++tries) {
    t.local_port = next_ephemeral_port();
    if (env_.owns && !env_.owns(env_.ctx, t)) continue;
    if (Connection* existing = find(t)) {
      if (existing->state != TcpState::kTimeWait) continue;
      counters_.time_wait_reused.add();
      close_connection(*existing, CloseReason::kNormal);
    }
    found = true;
    break;
  }
  if (!found) return nullptr;
  Connection* c = allocate(t, now_us);
  if (!c) return nullptr;
  c->handler = handler;
  c->start_send_sequence(isn_.generate(t, now_us));
  c->state = TcpState::kSynSent;
  c->cc = CongestionControl(config_.cubic ? CongestionAlgorithm::kCubic : CongestionAlgorithm::kNewReno,
                            c->send_mss);
  send_segment(*c, c->iss, 0, flags::kSyn, now_us, false);
  c->snd_nxt = c->snd_max = c->iss + 1;  // the SYN takes one sequence number
  arm_retransmit(*c, now_us);
  timers_.schedule(c->life_timer, now_us + config_.connect_timeout_us);
  return c;
}

uint32_t TcpStack::write_space(const Connection& c) {
  // Under buffer pressure a connection already holding many buffers takes no more: its writer waits for
  // on_writable, which the ACKs that shorten its queue bring (BufferPressure).
  if (pressure_ != BufferPressure::kNone && c.send_queue.chunks() >= chunks_allowed()) {
    counters_.tx_held_pressure.add();
    return 0;
  }
  return c.send_queue.bytes() >= config_.send_buffer ? 0 : config_.send_buffer - c.send_queue.bytes();
}

bool TcpStack::write(Connection& c, PacketRef packet, uint32_t offset, uint32_t length, uint64_t now_us) {
  const EntryScope entry(*this);
  if (c.fin_queued || (c.state != TcpState::kEstablished && c.state != TcpState::kCloseWait &&
                       c.state != TcpState::kSynSent && c.state != TcpState::kSynReceived)) {
    return false;
  }
  if (length > write_space(c) || !c.send_queue.append(chunks_, env_.buffers, packet, offset, length)) {
    c.write_blocked = true;
    if (length <= write_space(c)) counters_.no_memory.add();
    return false;
  }
  output(c, now_us);
  return true;
}

void TcpStack::consume(Connection& c, uint32_t bytes, uint64_t now_us) {
  const EntryScope entry(*this);
  bytes = std::min(bytes, c.receive_queue.bytes());
  c.receive_queue.consume(chunks_, env_.buffers, bytes);
  if (c.receive_queue.empty()) release_rx_pack(c);  // an idle connection holds no buffer
  if (c.state < TcpState::kEstablished || c.state == TcpState::kTimeWait) return;
  // Window update (RFC 9293 §3.8.6.2.2, receiver SWS avoidance): only when the window the peer can use
  // at least doubles and grows by an MSS, as Linux does; otherwise the next ACK carries it anyway.
  const uint32_t remaining = seq_gt(c.rcv_adv, c.rcv_nxt) ? seq_diff(c.rcv_adv, c.rcv_nxt) : 0;
  const uint32_t now_open = static_cast<uint32_t>(advertised_window(c)) << c.rcv_wscale;
  if (now_open >= 2 * remaining && now_open - remaining >= c.send_mss) send_ack(c, now_us);
}

void TcpStack::shutdown(Connection& c, uint64_t now_us) {
  const EntryScope entry(*this);
  if (c.fin_queued) return;
  switch (c.state) {
    case TcpState::kSynSent:
      close_connection(c, CloseReason::kNormal);
      return;
    case TcpState::kSynReceived:
    case TcpState::kEstablished:
    case TcpState::kCloseWait:
      c.fin_queued = true;
      output(c, now_us);
      return;
    default:
      return;
  }
}

void TcpStack::abort(Connection& c) {
  const EntryScope entry(*this);
  if (c.state == TcpState::kClosed) return;
  if (c.state != TcpState::kSynSent && c.state != TcpState::kTimeWait) send_reset(c);
  close_connection(c, CloseReason::kAborted);
}

}  // namespace tollgate::tcp
