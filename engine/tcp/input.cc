// SEGMENT ARRIVES (RFC 9293 §3.10.7), with RFC 5961 protections and RFC 7323 timestamps.
#include <algorithm>

#include "engine/net/client_limiter.h"
#include "engine/tcp/header.h"
#include "engine/tcp/stack.h"

namespace tollgate::tcp {
namespace {

// Sequence space a segment occupies: data plus SYN and FIN (RFC 9293 §3.4).
uint32_t segment_length(const SegmentHeader& h, uint32_t payload_len) {
  return payload_len + (h.has(flags::kSyn) ? 1u : 0u) + (h.has(flags::kFin) ? 1u : 0u);
}

bool synchronized_receive_state(TcpState s) {
  return s == TcpState::kEstablished || s == TcpState::kFinWait1 || s == TcpState::kFinWait2;
}

}  // namespace

void TcpStack::input(PacketRef packet, uint32_t offset, std::span<const uint8_t> segment,
                     net::Ipv4Address source, net::Ipv4Address destination, bool checksum_verified,
                     uint64_t now_us) {
  const EntryScope entry(*this);
  counters_.segments_in.add();
  const HeaderParse parsed = parse_segment(segment, source, destination, checksum_verified);
  if (!parsed.header) {
    (parsed.error == HeaderError::kBadChecksum ? counters_.bad_checksum : counters_.malformed).add();
    return;
  }
  const SegmentHeader& h = *parsed.header;
  const uint32_t payload_len = static_cast<uint32_t>(segment.size() - h.header_length);
  const Tuple t{destination.value, source.value, h.destination_port, h.source_port};
  Connection* c = find(t);
  // RFC 9293 §3.10.7.4 (and RFC 6191): a new SYN beyond the old connection's sequence space may take
  // over a TIME-WAIT tuple instead of being refused for 2*MSL.
  if (c && c->state == TcpState::kTimeWait && h.has(flags::kSyn) && !h.has(flags::kAck) &&
      seq_gt(h.seq, c->rcv_nxt) && find_listener(destination, h.destination_port)) {
    counters_.time_wait_reused.add();
    close_connection(*c, CloseReason::kNormal);
    c = nullptr;
  }
  if (!c) {
    if (Listener* l = find_listener(destination, h.destination_port)) {
      input_listen(*l, packet, offset + h.header_length, h, t, payload_len, now_us);
      return;
    }
    counters_.no_connection.add();
    send_reset_for(t, h, payload_len);
    return;
  }
  c->last_activity_us = now_us;
  c->keepalive_probes = 0;
  if (c->state == TcpState::kSynSent) {
    input_syn_sent(*c, h, now_us);
    return;
  }
  input_synchronized(*c, packet, offset + h.header_length, h, payload_len, now_us);
}

// RFC 9293 §3.10.7.1: no connection. Never answer a RST.
void TcpStack::send_reset_for(const Tuple& t, const SegmentHeader& h, uint32_t payload_len) {
  if (h.has(flags::kRst)) return;
  OutgoingSegment out{&t, {}, nullptr, 0, 0};
  out.header.source_port = t.local_port;
  out.header.destination_port = t.remote_port;
  if (h.has(flags::kAck)) {
    out.header.seq = h.ack;
    out.header.flags = flags::kRst;
  } else {
    out.header.seq = 0;
    out.header.ack = h.seq + segment_length(h, payload_len);
    out.header.flags = flags::kRst | flags::kAck;
  }
  counters_.resets_sent.add();
  counters_.segments_out.add();
  env_.transmit(env_.ctx, out);
}

void TcpStack::negotiate(Connection& c, const TcpOptions& peer) {
  uint16_t peer_mss = peer.mss ? peer.mss : 536;  // RFC 9293 §3.7.1
  if (peer_mss < kMinSendMss) {
    counters_.small_mss_raised.add();
    peer_mss = kMinSendMss;
  }
  c.send_mss = std::min(config_.mss, peer_mss);
  if (peer.window_scale != 0xff) {
    c.snd_wscale = peer.window_scale;
    c.rcv_wscale = config_.window_scale;
  } else {
    c.snd_wscale = c.rcv_wscale = 0;  // RFC 7323 §2.2: both sides or neither
  }
  c.sack_ok = config_.sack && peer.sack_permitted;
  c.ts_ok = config_.timestamps && peer.has_timestamps;
  if (c.ts_ok) c.ts_recent = peer.ts_value;
  c.cc = CongestionControl(config_.cubic ? CongestionAlgorithm::kCubic : CongestionAlgorithm::kNewReno,
                           c.segment_payload());
}

// RFC 9293 §3.10.7.2 LISTEN, with SYN cookies (RFC 4987) when the half-open backlog is full.
void TcpStack::input_listen(Listener& l, PacketRef packet, uint32_t payload_offset, const SegmentHeader& h,
                            const Tuple& t, uint32_t payload_len, uint64_t now_us) {
  if (h.has(flags::kRst)) return;
  // The listener's client allow-list, before any state or cookie: a denied source is reset. A cookie ACK
  // from a source denied since (a new allow-list adopted live) is reset too, and not counted again.
  if (l.allowed_clients && !l.allowed_clients->allows(net::Ipv4Address{t.remote_ip})) {
    if (h.has(flags::kSyn)) {
      ++l.denied;
      l.last_denied = t.remote_ip;
    }
    send_reset_for(t, h, payload_len);
    return;
  }
  if (h.has(flags::kSyn) && !h.has(flags::kAck) && l.handler) {
    net::ClientLimiter* limits = l.handler->syn_screen();
    if (limits && net::ClientLimiter::refused(limits->screen(net::Ipv4Address{t.remote_ip}, now_us))) {
      send_reset_for(t, h, payload_len);
      return;
    }
  }
  if (h.has(flags::kAck) && !h.has(flags::kSyn)) {
    // The third step of a handshake answered with a cookie: the connection exists only if it checks.
    const std::optional<uint32_t> tsecr =
        h.options.has_timestamps ? std::optional<uint32_t>(h.options.ts_echo) : std::nullopt;
    const auto opts = cookies_.check(t, h.seq - 1, h.ack - 1, tsecr, now_us);
    if (opts && pressure_ == BufferPressure::kCritical) {
      counters_.syn_refused_pressure.add();
      send_reset_for(t, h, payload_len);
      return;
    }
    if (!opts || listener_full(l)) {
      (opts ? counters_.listen_overflow : counters_.syn_cookies_failed).add();
      send_reset_for(t, h, payload_len);
      return;
    }
    Connection* c = allocate(t, now_us);
    if (!c) return;
    counters_.syn_cookies_validated.add();
    TcpOptions peer;
    peer.mss = opts->mss;
    peer.window_scale = opts->wscale;
    peer.sack_permitted = opts->sack_permitted;
    peer.has_timestamps = opts->timestamps && h.options.has_timestamps;
    peer.ts_value = h.options.ts_value;
    negotiate(*c, peer);
    c->start_send_sequence(h.ack - 1);  // the SYN-ACK is acknowledged by this very segment, below
    c->snd_nxt = c->snd_max = h.ack;
    c->irs = h.seq - 1;
    c->rcv_nxt = h.seq;
    c->rcv_adv = h.seq;
    c->snd_wnd = uint32_t{h.window} << c->snd_wscale;
    c->max_snd_wnd = c->snd_wnd;
    c->snd_wl1 = h.seq;
    c->snd_wl2 = h.ack;
    c->listener = &l;
    ++l.connections;
    ++l.half_open;  // for the moment, until this very segment establishes it
    c->state = TcpState::kSynReceived;
    input_synchronized(*c, packet, payload_offset, h, payload_len, now_us);
    return;
  }
  if (h.has(flags::kAck) || !h.has(flags::kSyn) || h.has(flags::kFin)) {
    if (h.has(flags::kAck)) send_reset_for(t, h, payload_len);
    return;
  }
  if (pressure_ == BufferPressure::kCritical) {
    counters_.syn_refused_pressure.add();  // dropped: no state, and the client's SYN timer retries
    return;
  }
  if (listener_full(l)) {
    counters_.listen_overflow.add();
    send_reset_for(t, h, payload_len);
    return;
  }
  // max_connections bounds established connections. Half-open entries count towards it only as long as
  // there is room: once they would fill it, cookies answer instead, so a spoofed SYN flood (whose entries
  // never complete) cannot take the places of real clients.
  const bool at_limit = l.max_connections && l.connections >= l.max_connections;
  if (l.half_open >= config_.syn_backlog || used_ == connections_.size() || at_limit) {
    if (at_limit) counters_.syn_cookies_at_limit.add();
    // Stateless answer: everything we need later is folded into our ISN (and TSval).
    // Only what we would agree to goes into the cookie: the MAC covers it, and the ACK must match.
    const bool ts = config_.timestamps && h.options.has_timestamps;
    SynOptions offered{h.options.mss ? h.options.mss : uint16_t{536},
                       ts && config_.window_scale ? h.options.window_scale : kWindowScaleNotOffered,
                       ts && config_.sack && h.options.sack_permitted, ts};
    SynOptions encoded{};
    const uint32_t cookie = cookies_.make(t, h.seq, offered, now_us, &encoded);
    OutgoingSegment out{&t, {}, nullptr, 0, 0};
    SegmentHeader& s = out.header;
    s.source_port = t.local_port;
    s.destination_port = t.remote_port;
    s.seq = cookie;
    s.ack = h.seq + 1;
    s.flags = flags::kSyn | flags::kAck;
    s.window = static_cast<uint16_t>(std::min<uint32_t>(config_.receive_window, 65535));
    s.options.mss = config_.mss;
    if (encoded.wscale != kWindowScaleNotOffered) s.options.window_scale = config_.window_scale;
    s.options.sack_permitted = encoded.sack_permitted;
    if (ts) {
      s.options.has_timestamps = true;
      s.options.ts_value = cookies_.make_tsval(ts_clock(now_us), encoded);
      s.options.ts_echo = h.options.ts_value;
    }
    counters_.syn_cookies_sent.add();
    counters_.segments_out.add();
    env_.transmit(env_.ctx, out);
    return;
  }
  Connection* c = allocate(t, now_us);
  if (!c) return;
  negotiate(*c, h.options);
  c->irs = h.seq;
  c->rcv_nxt = h.seq + 1;
  c->rcv_adv = c->rcv_nxt;
  c->start_send_sequence(isn_.generate(t, now_us));
  c->snd_wnd = h.window;  // RFC 7323 §2.2: the window in a SYN is never scaled
  c->max_snd_wnd = c->snd_wnd;
  c->snd_wl1 = h.seq;
  c->snd_wl2 = c->iss;
  c->state = TcpState::kSynReceived;
  c->listener = &l;
  ++l.connections;
  ++l.half_open;
  send_segment(*c, c->iss, 0, flags::kSyn | flags::kAck, now_us, false);
  c->snd_nxt = c->snd_max = c->iss + 1;
  arm_retransmit(*c, now_us);
  (void)packet;
  (void)payload_offset;  // data on a SYN is not accepted before the handshake completes (no TFO)
}

// RFC 9293 §3.10.7.3 SYN-SENT.
void TcpStack::input_syn_sent(Connection& c, const SegmentHeader& h, uint64_t now_us) {
  const bool has_ack = h.has(flags::kAck);
  if (has_ack && (seq_leq(h.ack, c.iss) || seq_gt(h.ack, c.snd_max))) {
    if (!h.has(flags::kRst)) send_reset_for(c.tuple, h, 0);
    return;
  }
  if (h.has(flags::kRst)) {
    if (has_ack) {
      counters_.resets_received.add();
      close_connection(c, CloseReason::kRefused);
    }
    return;
  }
  if (!h.has(flags::kSyn)) return;
  negotiate(c, h.options);
  c.irs = h.seq;
  c.rcv_nxt = h.seq + 1;
  c.rcv_adv = c.rcv_nxt;
  if (has_ack) {
    c.snd_una = h.ack;
    c.snd_wnd = h.window;
    c.max_snd_wnd = c.snd_wnd;
    c.snd_wl1 = h.seq;
    c.snd_wl2 = h.ack;
    if (c.ts_ok && h.options.ts_echo)
      c.rtt.on_sample(std::max<uint32_t>(1, (ts_clock(now_us) - h.options.ts_echo) * 1000));
    timers_.cancel(c.retransmit_timer);
    c.retransmits = 0;
    on_established(c, now_us);
    if (c.state == TcpState::kEstablished) {
      send_ack(c, now_us);
      output(c, now_us);
    }
    return;
  }
  // Simultaneous open (RFC 9293 Figure 7): answer SYN,ACK from our ISS.
  c.state = TcpState::kSynReceived;
  c.snd_wnd = h.window;
  c.snd_wl1 = h.seq;
  send_segment(c, c.iss, 0, flags::kSyn | flags::kAck, now_us, true);
}

void TcpStack::on_established(Connection& c, uint64_t now_us) {
  const bool passive = c.listener != nullptr;
  if (passive && c.state == TcpState::kSynReceived && c.listener->half_open) --c.listener->half_open;
  c.state = TcpState::kEstablished;
  // Half-open entries and cookies together may complete more handshakes than the limit has room for.
  if (passive && c.listener->max_connections && c.listener->established() > c.listener->max_connections) {
    counters_.listen_overflow.add();
    abort(c);
    return;
  }
  timers_.cancel(c.life_timer);
  c.rtt.reset_backoff();
  if (config_.keepalive_idle_us) timers_.schedule(c.life_timer, now_us + config_.keepalive_idle_us);
  if (passive) {
    counters_.opened_passive.add();
    StreamHandler* handler = c.listener->handler->on_accept(c);
    if (c.state == TcpState::kClosed) return;  // on_accept closed it itself
    c.handler = handler;
    if (!handler) abort(c);
    return;
  }
  counters_.opened_active.add();
  if (c.handler) c.handler->on_connected(c);
}

// RFC 9293 §3.10.7.4: every state from SYN-RECEIVED on.
void TcpStack::input_synchronized(Connection& c, PacketRef packet, uint32_t payload_offset,
                                  const SegmentHeader& h, uint32_t payload_len, uint64_t now_us) {
  Seq seq = h.seq;
  const uint32_t seg_len = segment_length(h, payload_len);
  const uint32_t rcv_wnd =
      std::max(seq_diff(c.rcv_adv, c.rcv_nxt), static_cast<uint32_t>(advertised_window(c)) << c.rcv_wscale);

  // First: sequence number check, with PAWS (RFC 7323 §5.3) in front of it.
  if (c.ts_ok && h.options.has_timestamps && !h.has(flags::kRst) &&
      static_cast<int32_t>(h.options.ts_value - c.ts_recent) < 0) {
    counters_.paws_rejected.add();
    send_ack(c, now_us);
    return;
  }
  bool acceptable;
  if (seg_len == 0) {
    acceptable = rcv_wnd == 0 ? seq == c.rcv_nxt : seq_between(c.rcv_nxt, seq, c.rcv_nxt + rcv_wnd);
  } else {
    acceptable = rcv_wnd != 0 && (seq_between(c.rcv_nxt, seq, c.rcv_nxt + rcv_wnd) ||
                                  seq_between(c.rcv_nxt, seq + seg_len - 1, c.rcv_nxt + rcv_wnd));
  }
  if (!acceptable) {
    counters_.out_of_window.add();
    if (!h.has(flags::kRst)) {
      // A zero window still takes ACKs and window updates (RFC 9293 §3.10.7.4 note).
      if (h.has(flags::kAck) && rcv_wnd == 0 && seq == c.rcv_nxt) process_ack(c, h, payload_len, now_us);
      // A retransmitted duplicate means our ACK was lost: repeat it, but rate-limited, so two stacks
      // can never answer each other's ACKs forever.
      if (c.state != TcpState::kClosed && rate_limit_ack(c, now_us)) send_ack(c, now_us);
    }
    return;
  }

  // Second: RST, accepted only at exactly RCV.NXT; anything else in the window gets a challenge ACK
  // (RFC 5961 §3.2).
  if (h.has(flags::kRst)) {
    if (seq != c.rcv_nxt) {
      send_challenge_ack(c, now_us);
      return;
    }
    counters_.resets_received.add();
    const bool orderly =
        c.state == TcpState::kClosing || c.state == TcpState::kLastAck || c.state == TcpState::kTimeWait;
    close_connection(c, orderly ? CloseReason::kNormal : CloseReason::kReset);
    return;
  }

  // Fourth: SYN in a synchronized state is answered with a challenge ACK (RFC 5961 §4.2), except the
  // peer's retransmitted SYN while our SYN-ACK was lost.
  if (h.has(flags::kSyn)) {
    if (c.state == TcpState::kSynReceived && seq == c.irs) {
      send_segment(c, c.iss, 0, flags::kSyn | flags::kAck, now_us, true);
      return;
    }
    send_challenge_ack(c, now_us);
    return;
  }

  // Timestamps: remember the peer's clock for the segment that covers our last ACK (RFC 7323 §4.3).
  if (c.ts_ok && h.options.has_timestamps && seq_leq(seq, c.last_ack_sent) &&
      seq_leq(c.last_ack_sent, seq + seg_len)) {
    c.ts_recent = h.options.ts_value;
  }

  // Fifth: the ACK field.
  if (!h.has(flags::kAck)) return;
  if (c.state == TcpState::kSynReceived) {
    if (seq_leq(h.ack, c.snd_una) || seq_gt(h.ack, c.snd_max)) {
      send_reset_for(c.tuple, h, payload_len);
      return;
    }
    c.snd_wnd = uint32_t{h.window} << c.snd_wscale;
    c.max_snd_wnd = std::max(c.max_snd_wnd, c.snd_wnd);
    c.snd_wl1 = seq;
    c.snd_wl2 = h.ack;
    c.snd_una = h.ack;
    timers_.cancel(c.retransmit_timer);
    c.retransmits = 0;
    if (c.ts_ok && h.options.ts_echo)
      c.rtt.on_sample(std::max<uint32_t>(1, (ts_clock(now_us) - h.options.ts_echo) * 1000));
    on_established(c, now_us);
    if (c.state != TcpState::kEstablished) return;
  } else if (!process_ack(c, h, payload_len, now_us)) {
    return;  // challenge ACK sent, or the connection ended
  }

  // Seventh: segment text.
  if (payload_len > 0) {
    if (synchronized_receive_state(c.state)) {
      process_data(c, packet, payload_offset, seq, payload_len, now_us);
    }
  }
  // Eighth: FIN, once every byte before it has arrived.
  if (h.has(flags::kFin) && c.state != TcpState::kClosed) {
    c.fin_seq = seq + payload_len;
    c.fin_pending = true;
  }
  if (c.fin_pending && !c.fin_received && c.rcv_nxt == c.fin_seq) process_fin(c, now_us);
  if (c.state == TcpState::kClosed) return;
  if (c.ack_pending) {
    if (c.segments_unacked >= 2 || !c.reassembly_empty()) {
      send_ack(c, now_us);
    } else if (!c.ack_timer.scheduled()) {
      timers_.schedule(c.ack_timer, now_us + config_.delayed_ack_us);
    }
  }
  output(c, now_us);
}

// The ACK processing of the fifth step for ESTABLISHED and later states. Returns false when the segment
// must not be processed further.
bool TcpStack::process_ack(Connection& c, const SegmentHeader& h, uint32_t payload_len, uint64_t now_us) {
  const Seq ack = h.ack;
  // RFC 5961 §5.2: acceptable ACKs lie in [SND.UNA - MAX.SND.WND, SND.NXT].
  if (seq_gt(ack, c.snd_max) || seq_lt(ack, c.snd_una - c.max_snd_wnd)) {
    send_challenge_ack(c, now_us);
    return false;
  }
  const uint32_t window = uint32_t{h.window} << c.snd_wscale;
  const bool window_changed = window != c.snd_wnd;
  if (seq_lt(c.snd_wl1, h.seq) || (c.snd_wl1 == h.seq && seq_leq(c.snd_wl2, ack))) {
    c.snd_wnd = window;
    c.max_snd_wnd = std::max(c.max_snd_wnd, window);
    c.snd_wl1 = h.seq;
    c.snd_wl2 = ack;
    if (window > 0) c.zero_window = false;
  }
  if (c.sack_ok) {
    std::array<SackBlock, kMaxSackBlocks> blocks;
    for (uint8_t i = 0; i < h.options.sack_count; ++i)
      blocks[i] = {h.options.sacks[i].left, h.options.sacks[i].right};
    c.scoreboard.on_ack(ack, c.snd_max, std::span<const SackBlock>(blocks.data(), h.options.sack_count));
  }

  if (seq_gt(ack, c.snd_una)) {
    uint32_t acked = seq_diff(ack, c.snd_una);
    // RTT: timestamps give a sample on every ACK of new data; otherwise Karn's rule (RFC 6298 §3).
    if (c.ts_ok && h.options.has_timestamps && h.options.ts_echo) {
      c.rtt.on_sample(std::max<uint32_t>(1, (ts_clock(now_us) - h.options.ts_echo) * 1000));
    } else if (c.rtt_timing && seq_gt(ack, c.rtt_seq)) {
      c.rtt.on_sample(static_cast<uint32_t>(std::max<uint64_t>(1, now_us - c.rtt_start_us)));
      c.rtt_timing = false;
    }
    c.rtt.reset_backoff();
    c.retransmits = 0;
    // Our FIN occupies the sequence number after the data: it is not in the send queue.
    const uint32_t fin_acked = (c.fin_sent && ack == c.data_end() + 1) ? 1u : 0u;
    c.send_queue.consume(chunks_, env_.buffers, std::min(acked - fin_acked, c.send_queue.bytes()));
    c.snd_una = ack;
    if (c.send_queue.bytes() == 0 && !c.fin_queued) c.zero_window = false;  // nothing left to hold back
    if (seq_lt(c.snd_nxt, c.snd_una)) c.snd_nxt = c.snd_una;
    if (c.in_recovery) {
      if (seq_geq(ack, c.recover)) {
        // Full acknowledgment (RFC 6582 §3.2 step 3).
        c.in_recovery = false;
        c.cc.on_exit_recovery(c.flight_size());
      } else {
        // Partial acknowledgment: the next hole is lost too; retransmit it now (RFC 6582 §3.2 step 4).
        retransmit_first(c, now_us);
        arm_retransmit(c, now_us);
      }
    } else {
      c.cc.on_ack(acked, now_us, c.rtt.srtt_us());
    }
    c.dup_acks = 0;
    if (c.flight_size() == 0) {
      timers_.cancel(c.retransmit_timer);
      c.persist = false;
    } else {
      arm_retransmit(c, now_us);  // RFC 6298 §5.3: restart on new data acknowledged
    }
    if (c.write_blocked && write_space(c) >= std::min<uint32_t>(config_.send_buffer / 2, 64 * 1024)) {
      c.write_blocked = false;
      if (c.handler) c.handler->on_writable(c);
      if (c.state == TcpState::kClosed) return false;
    }
    if (fin_acked) {
      switch (c.state) {
        case TcpState::kFinWait1:
          c.state = TcpState::kFinWait2;
          if (c.fin_received)
            enter_time_wait(c, now_us);
          else
            timers_.schedule(c.life_timer, now_us + config_.time_wait_us);  // FIN-WAIT-2 timeout
          break;
        case TcpState::kClosing:
          enter_time_wait(c, now_us);
          break;
        case TcpState::kLastAck:
          close_connection(c, CloseReason::kNormal);
          return false;
        default:
          break;
      }
    }
  } else if (ack == c.snd_una && c.flight_size() > 0 && !window_changed && !h.has(flags::kSyn) &&
             !h.has(flags::kFin) && payload_len == 0) {
    // Duplicate ACK (RFC 5681 §2): count it; the third starts fast retransmit (RFC 6582 §3.2 step 2).
    counters_.dup_acks.add();
    if (++c.dup_acks == 3 && !c.in_recovery && seq_gt(c.snd_una, c.recover - 1)) {
      c.in_recovery = true;
      c.recover = c.snd_max;
      c.high_rxt = c.snd_una;
      c.cc.on_loss_fast_retransmit(now_us, c.flight_size());
      counters_.fast_retransmits.add();
      retransmit_first(c, now_us);
      arm_retransmit(c, now_us);
    } else if (c.in_recovery) {
      c.cc.on_dup_ack_in_recovery();
      if (c.sack_ok) retransmit_first(c, now_us);  // SACK recovery: the next hole the scoreboard says is lost
    }
  }
  if (c.state == TcpState::kTimeWait && c.fin_received) {
    // A retransmitted FIN in TIME-WAIT: acknowledge it and restart the 2*MSL wait.
    timers_.schedule(c.life_timer, now_us + config_.time_wait_us);
  }
  return true;
}

// Under buffer pressure (types.h BufferPressure) a segment that would pin one more buffer is not taken
// from a connection that already holds many, nor out of order. It is neither acknowledged nor SACKed:
// the peer's retransmission timer sends it again, backing off while the pressure lasts, so a refused
// sender costs ever fewer packets and no acknowledged byte is lost.
bool TcpStack::refused_for_pressure(const Connection& c, bool in_order) {
  if (!in_order) {
    counters_.ooo_refused_pressure.add();
    return true;
  }
  const size_t held = c.receive_queue.chunks() + (c.reassembly ? c.reassembly->size() : 0);
  if (held < chunks_allowed()) return false;
  counters_.rx_refused_pressure.add();
  return true;
}

// In-order data goes to the receive queue; data beyond a hole waits in the reassembly queue.
void TcpStack::process_data(Connection& c, PacketRef packet, uint32_t payload_offset, Seq seq, uint32_t len,
                            uint64_t now_us) {
  // Trim what we already have (RFC 9293 §3.10.7.4 "seventh").
  if (seq_lt(seq, c.rcv_nxt)) {
    const uint32_t skip = seq_diff(c.rcv_nxt, seq);
    if (skip >= len) {
      c.ack_pending = true;
      c.segments_unacked = 2;  // a duplicate: acknowledge at once so the sender stops
      return;
    }
    seq += skip;
    payload_offset += skip;
    len -= skip;
  }
  // And what lies beyond the window. The window is the larger of the free buffer and what we already
  // advertised: the right edge never moves back (RFC 9293 §3.8.6.2.2), so data the peer was allowed to
  // send must be accepted even if the application has not read since — dropping it would stall the
  // sender into timeouts. Memory stays bounded by what we advertised.
  const uint32_t free_space =
      config_.receive_window > c.receive_queue.bytes() ? config_.receive_window - c.receive_queue.bytes() : 0;
  const uint32_t promised = seq_gt(c.rcv_adv, c.rcv_nxt) ? seq_diff(c.rcv_adv, c.rcv_nxt) : 0;
  const uint32_t room = std::max(free_space, promised);
  const uint32_t beyond = seq_diff(seq, c.rcv_nxt);
  if (beyond >= room) {
    counters_.beyond_window_bytes.add(len);
    return;
  }
  if (len > room - beyond) counters_.beyond_window_bytes.add(len - (room - beyond));
  len = std::min(len, room - beyond);

  if (pressure_ != BufferPressure::kNone && refused_for_pressure(c, seq == c.rcv_nxt)) return;
  if (seq == c.rcv_nxt) {
    if (!append_received(c, packet, payload_offset, len)) {
      counters_.no_memory.add();
      return;
    }
    c.rcv_nxt += len;
    if (c.reassembly) {
      // An entry the receive queue cannot take (no chunk node) stays out of order: RCV.NXT stops before it,
      // so those bytes are not acknowledged and the peer sends them again; nothing is ACKed and lost.
      c.reassembly->pop_ready(
          c.rcv_nxt,
          [&](PacketRef p, uint32_t off, uint32_t n) {
            if (!c.receive_queue.append(chunks_, env_.buffers, p, off, n)) {
              counters_.no_memory.add();
              counters_.reassembly_stalled.add();
              return false;
            }
            env_.buffers.drop(p);  // the queue handed over its reference; append took one of its own
            return true;
          },
          [this](PacketRef p) { env_.buffers.drop(p); });
      if (c.reassembly->size() == 0) release_reassembly(c);
      c.segments_unacked = 2;  // filling a hole: ACK at once (RFC 5681 §4.2)
    }
    c.ack_pending = true;
    if (len >= config_.mss - (c.ts_ok ? 12u : 0u)) ++c.segments_unacked;  // a full-sized segment
    if (c.quick_acks > 0) {
      --c.quick_acks;
      c.segments_unacked = 2;
    }
    if (c.handler) c.handler->on_data(c);
    return;
  }
  Reassembly* q = reassembly_of(c);
  c.ack_pending = true;
  c.segments_unacked = 2;  // out of order: immediate duplicate ACK carrying SACK (RFC 5681 §4.2)
  if (!q) {
    counters_.no_memory.add();
    return;
  }
  if (len <= kTinyPayload && q->size() >= kTinyOutOfOrderEntries) {
    counters_.tiny_out_of_order_refused.add();  // each would pin a packet buffer for a few bytes
    return;
  }
  env_.buffers.hold(packet);
  const auto result =
      q->insert(seq, len, packet, payload_offset, c.rcv_nxt, [this](PacketRef p) { env_.buffers.drop(p); });
  if (result.outcome == InsertOutcome::kQueueFull || result.outcome == InsertOutcome::kOverBudget) {
    counters_.out_of_order_refused.add();
  }
  if (result.outcome == InsertOutcome::kQueued) {
    counters_.out_of_order_bytes.add(result.new_bytes);
    c.last_ooo = {seq, seq + len};
  }
  (void)now_us;
}

void TcpStack::process_fin(Connection& c, uint64_t now_us) {
  c.fin_received = true;
  c.rcv_nxt += 1;
  c.ack_pending = true;
  c.segments_unacked = 2;
  // The application learns that no more data will arrive, whatever our own side is doing.
  if (c.handler) c.handler->on_peer_closed(c);
  if (c.state == TcpState::kClosed) return;
  switch (c.state) {
    case TcpState::kSynReceived:
    case TcpState::kEstablished:
      c.state = TcpState::kCloseWait;
      break;
    case TcpState::kFinWait1:
      // Our FIN not yet acknowledged: simultaneous close.
      c.state = TcpState::kClosing;
      break;
    case TcpState::kFinWait2:
      send_ack(c, now_us);
      enter_time_wait(c, now_us);
      break;
    default:
      break;
  }
}

}  // namespace tollgate::tcp
