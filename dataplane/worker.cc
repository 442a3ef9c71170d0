#include "dataplane/worker.h"

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include <fmt/format.h>

#include <algorithm>

#include "dataplane/mbuf_buffers.h"
#include "engine/net/arp.h"
#include "engine/net/ethernet.h"
#include "engine/net/flow_key.h"
#include "engine/net/ipv4.h"
#include "engine/net/protocol_numbers.h"
#include "engine/tcp/segment_frame.h"

namespace tollgate::dataplane {
namespace {

std::span<uint8_t> frame_of(rte_mbuf* m) {
  return {rte_pktmbuf_mtod(m, uint8_t*), m->data_len};
}

constexpr uint64_t kTimerIntervalMs = 10;
// How often the pools' free counts are read: reading sums every lcore's cache, too much for each poll,
// while at line rate 100 us is a few thousand packets, well inside the reserve.
constexpr uint64_t kMeasureBuffersUs = 100;

tcp::TcpConfig tcp_config(const DataplaneConfig& c) {
  tcp::TcpConfig t;
  t.receive_window = c.tcp.receive_window;
  t.send_buffer = c.tcp.send_buffer;
  t.sack = c.tcp.sack;
  t.timestamps = c.tcp.timestamps;
  t.cubic = c.tcp.cubic;
  t.syn_backlog = c.tcp.syn_backlog;
  t.time_wait_us = c.tcp.time_wait_ms * 1000;
  t.connect_timeout_us = c.tcp.connect_timeout_ms * 1000;
  t.zero_window_timeout_us = uint64_t{c.tcp.zero_window_timeout_ms} * 1000;
  return t;
}

}  // namespace

Worker::Worker(uint16_t index, const DataplaneConfig& config, const std::vector<Port>& ports,
               const net::FlowSteering& steering, const SteeringFabric& fabric, rte_mempool* pool,
               rte_mempool* record_pool, const std::atomic<bool>& stop)
    : index_(index),
      burst_(std::min<uint16_t>(config.burst, kMaxBurst)),
      steering_(steering),
      fabric_(fabric),
      pool_(pool),
      mbuf_reserve_percent_(config.mbuf_reserve_percent),
      stop_(stop),
      steer_out_(fabric.workers()),
      steer_out_count_(fabric.workers(), 0),
      offered_contexts_(config.listeners.size()) {
  uint16_t max_id = 0;
  for (const Port& p : ports) {
    for (uint16_t id : p.device_ids) max_id = std::max(max_id, id);
  }
  port_index_by_id_.assign(size_t{max_id} + 1, 0);
  ports_.reserve(ports.size());
  for (size_t i = 0; i < ports.size(); ++i) {
    ports_.push_back(
        PortState{&ports[i], ports[i].queues[index], {}, net::NeighbourTable<rte_mbuf*>(config.neighbour)});
    for (uint16_t id : ports[i].device_ids) port_index_by_id_[id] = static_cast<uint8_t>(i);
  }
  tsc_per_ms_ = std::max<uint64_t>(1, rte_get_tsc_hz() / 1000);
  now_us_ = rte_rdtsc() * 1000 / tsc_per_ms_;

  tcp::TcpEnvironment env;
  pools_ = BufferPools{pool, record_pool};
  env.buffers = mbuf_buffer_ops(&pools_);
  env.transmit = [](void* ctx, const tcp::OutgoingSegment& s) {
    return static_cast<Worker*>(ctx)->tcp_transmit(s);
  };
  env.owns = [](void* ctx, const tcp::Tuple& t) { return static_cast<Worker*>(ctx)->owns(t); };
  env.ctx = this;
  tcp_ = std::make_unique<tcp::TcpStack>(tcp_config(config), env, config.tcp.max_connections, now_us_);
  if (!config.access_log.empty())
    access_log_ = std::make_unique<proxy::AccessLogRing>(config.access_log_ring_size);
  for (const Port& p : ports) port_prefixes_.push_back(p.iface.ipv4);
  max_sessions_ = config.tcp.max_connections / 2;
  // Made whatever the config says, so a later generation may add TLS listeners or pools that speak TLS.
  aead_ = std::make_unique<tls::AeadEngine>();
  upstream_tls_ = std::make_unique<proxy::TlsTerminator>(*tcp_, *aead_, max_sessions_, now_us_);
  generations_ = std::make_unique<GenerationSet>(*tcp_, upstream_tls_.get());
}

CoreResources Worker::resources() {
  CoreResources r;
  r.stack = tcp_.get();
  r.aead = aead_.get();
  r.upstream_tls = upstream_tls_.get();
  r.access_log = access_log_.get();
  r.now_us = &now_us_;
  r.core = index_;
  r.ports = port_prefixes_;
  r.max_sessions = max_sessions_;
  return r;
}

uint64_t Worker::clock_us() const {
  return rte_rdtsc() * 1000 / tsc_per_ms_;
}

bool Worker::start(std::unique_ptr<Generation> first, std::string& error) {
  const Generation* g = first.get();
  if (!generations_->start(std::move(first), error)) return false;
  adopted_.store(g->number, std::memory_order_release);
  current_.store(g, std::memory_order_release);
  return true;
}

void Worker::offer_generation(std::unique_ptr<Generation> next) {
  offered_.offer(std::move(next));
}

std::unique_ptr<Generation> Worker::collect_retired() {
  return retired_out_.take();
}

// At the timer tick: the offered generation takes the listeners' new connections, the replaced one
// drains; the segment hears of it (health rebound to the new pools and listeners, adoption acknowledged).
void Worker::adopt_generation() {
  std::unique_ptr<Generation> next = offered_.take();
  if (!next) return;
  const uint64_t number = next->number;
  const Generation& before = generations_->current();
  const uint64_t previous = before.number;
  const EntityMap& moved = generations_->adopt(std::move(next), now_us_);
  Generation& now = generations_->current();
  current_.store(&now, std::memory_order_release);
  if (segment_) {
    segment_->rebind(&now, moved.targets);
    segment_->tick.adopted(number, previous, generations_->draining());
  }
  adopted_.store(number, std::memory_order_release);
}

Worker::~Worker() {
  // Connections hold mbuf references: release them before the ports and pool go away.
  segment_.reset();
  probe_runner_.reset();  // aborts probes still running
  generations_.reset();
  offered_.clear();
  retired_out_.clear();
  upstream_tls_.reset();
  tcp_.reset();
  for (Mailbox<tls::ServerContext>& offered : offered_contexts_) offered.clear();
  // Packets still waiting for ARP belong to this worker; give them back to the pool.
  for (PortState& ps : ports_) {
    ps.neighbours.clear([](rte_mbuf* m) { rte_pktmbuf_free(m); });
    for (uint16_t i = 0; i < ps.tx.count; ++i) rte_pktmbuf_free(ps.tx.packets[i]);
  }
}

int Worker::run() {
  if (segment_) segment_->port.start();
  announce();
  std::array<rte_mbuf*, kMaxBurst> burst;
  const uint64_t timer_cycles = kTimerIntervalMs * tsc_per_ms_;
  uint64_t next_timer_tsc = rte_rdtsc() + timer_cycles;
  while (!stop_.load(std::memory_order_relaxed)) {
    const uint64_t start = rte_rdtsc();
    now_us_ = start * 1000 / tsc_per_ms_;
    uint32_t handled = 0;
    for (PortState& ps : ports_) {
      const uint16_t n = rte_eth_rx_burst(ps.queue.device, ps.queue.queue, burst.data(), burst_);
      if (n == 0) continue;
      uint64_t bytes = 0;
      for (uint16_t i = 0; i < n; ++i) bytes += burst[i]->pkt_len;
      stats_.rx_packets.add(n);
      stats_.rx_bytes.add(bytes);
      handle_burst(burst.data(), n, /*from_wire=*/true);
      handled += n;
    }
    for (uint16_t from = 0; from < fabric_.workers(); ++from) {
      if (from == index_) continue;
      const unsigned n = rte_ring_dequeue_burst(fabric_.packets(from, index_),
                                                reinterpret_cast<void**>(burst.data()), burst_, nullptr);
      if (n == 0) continue;
      stats_.steered_in.add(n);
      handle_burst(burst.data(), static_cast<uint16_t>(n), /*from_wire=*/false);
      handled += n;
    }
    if (fabric_.workers() > 1) poll_neighbour_updates();
    if (start >= next_measure_tsc_) {
      measure_buffers();
      next_measure_tsc_ = start + kMeasureBuffersUs * tsc_per_ms_ / 1000;
    }
    generations_->run_deferred();
    flush_tls();
    tcp_->advance(now_us_);
    for (PortState& ps : ports_) flush(ps);

    const uint64_t end = rte_rdtsc();
    if (end >= next_timer_tsc) {
      run_timers(end / tsc_per_ms_);
      if (segment_) segment_tick();
      next_timer_tsc = end + timer_cycles;
    }
    if (handled > 0) {
      stats_.iterations_busy.add();
      stats_.cycles_busy.add(end - start);
      stats_.packets.add(handled);
    } else {
      stats_.iterations_idle.add();
      stats_.cycles_idle.add(end - start);
    }
  }
  for (PortState& ps : ports_) flush(ps);
  if (segment_) {
    publish_stats();  // the final counts
    segment_->port.stop();
  }
  return 0;
}

// The global reserve (tcp::BufferPressure): the level of the shorter of the packet and record pools, both
// shared by every core, so each core holds back on its own connections when together they ran low.
void Worker::measure_buffers() {
  auto level_of = [&](const rte_mempool* p) {
    return tcp::pressure_of(rte_mempool_avail_count(p), p->size, mbuf_reserve_percent_);
  };
  tcp::BufferPressure level = level_of(pool_);
  if (pools_.records) level = std::max(level, level_of(pools_.records));
  if (level == tcp_->buffer_pressure()) return;
  if (tcp_->buffer_pressure() == tcp::BufferPressure::kNone) stats_.buffer_pressure_episodes.add();
  tcp_->set_buffer_pressure(level);
}

void Worker::handle_burst(rte_mbuf** packets, uint16_t count, bool from_wire) {
  for (uint16_t i = 0; i < count; ++i) {
    if (i + 1 < count) rte_prefetch0(rte_pktmbuf_mtod(packets[i + 1], void*));
    rte_mbuf* m = packets[i];
    if (from_wire && steering_.cores() > 1) {
      // Flow ownership: the core that owns the flow handles its packets, whichever queue they came in on.
      if (auto key = net::flow_key_of_frame(frame_of(m))) {
        const uint16_t owner = steering_.owner(*key);
        if (owner != index_) {
          steer_out_[owner][steer_out_count_[owner]++] = m;
          continue;
        }
      }
    }
    handle_packet(m);
  }
  // Per-destination staging holds one burst: hand it over before the next burst can add to it.
  if (from_wire) flush_steering();
}

void Worker::handle_packet(rte_mbuf* m) {
  if (m->nb_segs != 1) return drop(m, net::DropReason::kMultiSegment);
  const uint8_t port_index = port_index_by_id_[m->port];
  PortState& ps = ports_[port_index];
  net::FrameInputOptions options;
  options.ipv4_checksum_verified = (m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_GOOD;
  const net::FrameVerdict v = net::handle_frame(ps.port->iface, frame_of(m), options, stats_.l2l3);
  if (v.neighbour) learn(port_index, *v.neighbour, /*share=*/true);
  switch (v.action) {
    case net::FrameAction::kDrop:
      return drop(m, v.reason);
    case net::FrameAction::kConsumed:
      rte_pktmbuf_free(m);
      return;
    case net::FrameAction::kTransmit:
      return transmit(ps, m);
    case net::FrameAction::kRoute:
      return route(ps, m, v.route_to);
    case net::FrameAction::kDeliver:
      if (v.l4_protocol == static_cast<uint8_t>(net::IpProtocol::kTcp)) {
        return deliver_tcp(m, v, (m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_GOOD);
      }
      return drop(m, net::DropReason::kL4NoHandler);
  }
}

void Worker::deliver_tcp(rte_mbuf* m, const net::FrameVerdict& v, bool checksum_verified) {
  const std::span<const uint8_t> segment(rte_pktmbuf_mtod(m, const uint8_t*) + v.l4_offset, v.l4_length);
  tcp_->input(m, v.l4_offset, segment, v.source, v.destination, checksum_verified, now_us_);
  rte_pktmbuf_free(m);  // the stack took its own references to any payload it keeps
}

bool Worker::owns(const tcp::Tuple& t) const {
  if (steering_.cores() < 2) return true;
  const net::FlowKey reply{net::Ipv4Address{t.remote_ip}, net::Ipv4Address{t.local_ip}, t.remote_port,
                           t.local_port, static_cast<uint8_t>(net::IpProtocol::kTcp)};
  return steering_.owner(reply) == index_;
}

Worker::PortState* Worker::port_for_address(uint32_t local_ip) {
  for (PortState& ps : ports_) {
    if (ps.port->iface.ipv4.address.value == local_ip) return &ps;
  }
  return nullptr;
}

// Builds Ethernet/IPv4/TCP in a fresh mbuf, copies the payload from the send queue's chunks, and hands
// the frame to the IPv4 output path (neighbour resolution, TX buffer).
bool Worker::tcp_transmit(const tcp::OutgoingSegment& s) {
  PortState* ps = port_for_address(s.tuple->local_ip);
  if (!ps) return false;
  rte_mbuf* m = rte_pktmbuf_alloc(pool_);
  if (!m) {
    stats_.l2l3.drop(net::DropReason::kNoMbuf);
    return false;
  }
  const size_t total = tcp::segment_frame_size(s);
  auto* data = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, static_cast<uint16_t>(total)));
  if (!data) {
    rte_pktmbuf_free(m);
    stats_.l2l3.drop(net::DropReason::kNoMbuf);
    return false;
  }
  tcp::write_segment_frame({data, total}, s, tcp_->buffers(), ip_id_++);
  const net::Ipv4Address remote{s.tuple->remote_ip};
  route(*ps, m, remote);
  return true;
}

void Worker::route(PortState& ps, rte_mbuf* m, net::Ipv4Address destination) {
  const auto hop = net::next_hop(ps.port->iface, destination);
  if (!hop) return drop(m, net::DropReason::kNoRoute);
  const auto r = ps.neighbours.resolve(*hop, m, now_us_ / 1000);
  using Outcome = net::NeighbourTable<rte_mbuf*>::Outcome;
  switch (r.outcome) {
    case Outcome::kResolved:
      net::write_ethernet(frame_of(m), r.mac, ps.port->iface.mac, net::EtherType::kIpv4);
      return transmit(ps, m);
    case Outcome::kStale:
      net::write_ethernet(frame_of(m), r.mac, ps.port->iface.mac, net::EtherType::kIpv4);
      transmit(ps, m);
      return send_arp_request(ps, *hop);
    case Outcome::kQueued:
      return send_arp_request(ps, *hop);
    case Outcome::kQueuedWait:
      return;
    case Outcome::kQueueFull:
      return drop(m, net::DropReason::kNeighbourQueueFull);
    case Outcome::kTableFull:
      return drop(m, net::DropReason::kNeighbourTableFull);
  }
}

void Worker::learn(uint8_t port_index, const net::NeighbourHint& hint, bool share) {
  PortState& ps = ports_[port_index];
  const bool changed = ps.neighbours.learn(
      hint.ip, hint.mac, now_us_ / 1000, hint.create, [&](rte_mbuf* m, const net::MacAddress& mac) {
        net::write_ethernet(frame_of(m), mac, ps.port->iface.mac, net::EtherType::kIpv4);
        transmit(ps, m);
      });
  if (changed) stats_.l2l3.neighbours_learned.add();
  if (!share) return;
  // Every core keeps its own table: tell the others (a few bytes per ARP message, rare by nature).
  NeighbourUpdate u{};
  u.ip = hint.ip.value;
  std::copy(hint.mac.bytes.begin(), hint.mac.bytes.end(), u.mac);
  u.port_index = port_index;
  u.create = hint.create ? 1 : 0;
  for (uint16_t to = 0; to < fabric_.workers(); ++to) {
    if (to == index_) continue;
    if (rte_ring_enqueue_elem(fabric_.neighbours(index_, to), &u, sizeof u) != 0)
      stats_.neighbour_updates_lost.add();
  }
}

void Worker::poll_neighbour_updates() {
  std::array<NeighbourUpdate, 32> updates;
  for (uint16_t from = 0; from < fabric_.workers(); ++from) {
    if (from == index_) continue;
    const unsigned n = rte_ring_dequeue_burst_elem(fabric_.neighbours(from, index_), updates.data(),
                                                   sizeof(NeighbourUpdate), updates.size(), nullptr);
    for (unsigned i = 0; i < n; ++i) {
      net::NeighbourHint hint;
      hint.ip = net::Ipv4Address{updates[i].ip};
      std::copy(std::begin(updates[i].mac), std::end(updates[i].mac), hint.mac.bytes.begin());
      hint.create = updates[i].create != 0;
      if (updates[i].port_index < ports_.size()) learn(updates[i].port_index, hint, /*share=*/false);
    }
  }
}

void Worker::send_arp_request(PortState& ps, net::Ipv4Address target) {
  rte_mbuf* m = rte_pktmbuf_alloc(pool_);
  if (!m) {
    stats_.l2l3.drop(net::DropReason::kNoMbuf);
    return;
  }
  char* data = rte_pktmbuf_append(m, net::kEthernetMinFrameSize);
  net::build_arp_request({reinterpret_cast<uint8_t*>(data), net::kEthernetMinFrameSize}, ps.port->iface.mac,
                         ps.port->iface.ipv4.address, target);
  stats_.l2l3.arp_requests_sent.add();
  transmit(ps, m);
}

void Worker::announce() {
  // Gratuitous ARP (RFC 5227 §3): neighbours that cached an old MAC for our address update it now.
  if (index_ != 0) return;
  for (PortState& ps : ports_) {
    send_arp_request(ps, ps.port->iface.ipv4.address);
    flush(ps);
  }
}

// TLS: the records of every connection that had data in this iteration, as one AEAD batch per layer, in
// every generation this core runs (generation_set.cc has the order).
void Worker::flush_tls() {
  generations_->flush_tls();
}

void Worker::offer_context(uint32_t listener, std::unique_ptr<tls::ServerContext> context) {
  if (listener >= offered_contexts_.size()) return;
  offered_contexts_[listener].offer(std::move(context));
}

// The worker's side of a certificate reload: new handshakes run in the offered context; the one it
// replaces is freed once the longest handshake that could have started in it has ended.
void Worker::adopt_contexts() {
  for (uint32_t i = 0; i < offered_contexts_.size(); ++i) {
    std::unique_ptr<tls::ServerContext> fresh = offered_contexts_[i].take();
    if (!fresh) continue;
    GenerationSet::ReplacedContext old = generations_->replace_context(i, std::move(fresh));
    if (old.context)
      retired_contexts_.push_back({std::move(old.context), now_us_ + old.handshake_timeout_us + 1'000'000});
  }
  std::erase_if(retired_contexts_, [&](const RetiredContext& r) { return now_us_ >= r.free_after_us; });
}

void Worker::run_timers(uint64_t now) {
  adopt_contexts();
  adopt_generation();
  generations_->expire(now_us_);
  if (retired_out_.empty()) retired_out_.offer(generations_->take_retired());
  upstream_tls_->expire(now_us_);
  if (probe_runner_) probe_runner_->expire(now_us_);
  for (PortState& ps : ports_) {
    ps.neighbours.expire(
        now, [&](net::Ipv4Address ip) { send_arp_request(ps, ip); },
        [&](rte_mbuf* m) { drop(m, net::DropReason::kNeighbourUnresolved); });
    flush(ps);
  }
}

void Worker::transmit(PortState& ps, rte_mbuf* m) {
  ps.tx.packets[ps.tx.count++] = m;
  if (ps.tx.count == burst_) flush(ps);
}

void Worker::flush(PortState& ps) {
  if (ps.tx.count == 0) return;
  uint64_t bytes = 0;
  for (uint16_t i = 0; i < ps.tx.count; ++i) bytes += ps.tx.packets[i]->pkt_len;
  const uint16_t sent = rte_eth_tx_burst(ps.queue.device, ps.queue.queue, ps.tx.packets.data(), ps.tx.count);
  // Who frees what: the PMD owns what it accepted; the rest is ours to free, counted as tx_full.
  for (uint16_t i = sent; i < ps.tx.count; ++i) {
    bytes -= ps.tx.packets[i]->pkt_len;
    drop(ps.tx.packets[i], net::DropReason::kTxFull);
  }
  stats_.tx_packets.add(sent);
  stats_.tx_bytes.add(bytes);
  ps.tx.count = 0;
}

void Worker::flush_steering() {
  for (uint16_t to = 0; to < fabric_.workers(); ++to) {
    const uint16_t n = steer_out_count_[to];
    if (n == 0) continue;
    const unsigned sent = rte_ring_enqueue_burst(
        fabric_.packets(index_, to), reinterpret_cast<void* const*>(steer_out_[to].data()), n, nullptr);
    stats_.steered_out.add(sent);
    for (unsigned i = sent; i < n; ++i) drop(steer_out_[to][i], net::DropReason::kSteerRingFull);
    steer_out_count_[to] = 0;
  }
}

void Worker::drop(rte_mbuf* m, net::DropReason reason) {
  stats_.l2l3.drop(reason);
  rte_pktmbuf_free(m);
}

}  // namespace tollgate::dataplane
