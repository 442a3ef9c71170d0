// Sending: new data within the congestion and peer windows, FIN, ACKs and retransmissions.
#include <algorithm>

#include "engine/tcp/header.h"
#include "engine/tcp/stack.h"

namespace tollgate::tcp {

uint16_t TcpStack::advertised_window(Connection& c) {
  const uint32_t used = c.receive_queue.bytes();
  uint32_t space = config_.receive_window > used ? config_.receive_window - used : 0;
  // Never move the right edge back (RFC 9293 §3.8.6.2.2: shrinking the window is strongly discouraged).
  // What was promised rounds up to a whole scale unit: rounding it down would withdraw the last bytes the
  // peer may already have sent, which we would then have to drop.
  const uint32_t promised = seq_gt(c.rcv_adv, c.rcv_nxt) ? seq_diff(c.rcv_adv, c.rcv_nxt) : 0;
  const uint32_t unit_mask = (1u << c.rcv_wscale) - 1;
  const uint32_t units = std::max(space >> c.rcv_wscale, (promised + unit_mask) >> c.rcv_wscale);
  return static_cast<uint16_t>(std::min<uint32_t>(units, 65535));
}

void TcpStack::fill_options(const Connection& c, SegmentHeader& h, bool syn, uint64_t now_us) const {
  TcpOptions& o = h.options;
  if (syn) {
    o.mss = config_.mss;
    const bool active = c.state == TcpState::kSynSent;
    // In a SYN-ACK we only echo what the peer offered (RFC 7323 §2.2, RFC 2018 §2).
    if (active ? config_.window_scale > 0 : c.rcv_wscale > 0)
      o.window_scale = active ? config_.window_scale : c.rcv_wscale;
    o.sack_permitted = active ? config_.sack : c.sack_ok;
    o.has_timestamps = active ? config_.timestamps : c.ts_ok;
  } else {
    o.has_timestamps = c.ts_ok;
  }
  if (o.has_timestamps) {
    o.ts_value = ts_clock(now_us);
    o.ts_echo = c.ts_recent;
  }
  if (!syn && c.sack_ok && c.reassembly && c.reassembly->size() > 0) {
    // The block with the most recent data first, then the others (RFC 2018 §4).
    // The block of the most recent out-of-order segment first (RFC 2018 §4), then the lowest others.
    // Only a few blocks fit an option, so a small array suffices; no per-ACK scan of a full window.
    std::array<SackBlock, 2 * kMaxSackBlocks> ranges;
    const size_t n = std::min(c.reassembly->ranges(std::span<SackBlock>(ranges)), ranges.size());
    uint8_t count = 0;
    const bool recent = seq_gt(c.last_ooo.left, c.rcv_nxt);
    if (recent) o.sacks[count++] = {c.last_ooo.left, c.last_ooo.right};
    for (size_t i = 0; i < n && count < kMaxSackBlocks; ++i) {
      if (recent && ranges[i].contains(c.last_ooo.left)) continue;
      o.sacks[count++] = {ranges[i].left, ranges[i].right};
    }
    o.sack_count = count;
  }
}

bool TcpStack::send_segment(Connection& c, Seq seq, uint32_t len, uint8_t segment_flags, uint64_t now_us,
                            bool retransmission) {
  OutgoingSegment out{&c.tuple, {}, nullptr, 0, 0};
  SegmentHeader& h = out.header;
  h.source_port = c.tuple.local_port;
  h.destination_port = c.tuple.remote_port;
  h.seq = seq;
  h.flags = segment_flags;
  const bool syn = (segment_flags & flags::kSyn) != 0;
  if (c.state != TcpState::kSynSent || (segment_flags & flags::kAck)) {
    h.flags |= flags::kAck;
    h.ack = c.rcv_nxt;
  }
  h.window =
      syn ? static_cast<uint16_t>(std::min<uint32_t>(config_.receive_window, 65535)) : advertised_window(c);
  fill_options(c, h, syn, now_us);
  // Data and options share the MSS (RFC 6691): a full data segment leaves no room for SACK blocks,
  // which then ride on the next pure ACK.
  while (len > 0 && h.options.sack_count > 0 && options_size(h.options, syn) + len > c.send_mss)
    --h.options.sack_count;
  if (len > 0) {
    out.payload = &c.send_queue;
    out.offset = seq_diff(seq, c.snd_una);
    out.length = len;
  }
  counters_.segments_out.add();
  if (retransmission) counters_.retransmits.add();
  const bool sent = env_.transmit(env_.ctx, out);
  if ((h.flags & flags::kAck) != 0) {
    c.last_ack_sent = c.rcv_nxt;
    if (!syn) {
      const Seq edge = c.rcv_nxt + (uint32_t{h.window} << c.rcv_wscale);
      if (seq_gt(edge, c.rcv_adv)) c.rcv_adv = edge;
    }
    c.ack_pending = false;
    c.segments_unacked = 0;
    timers_.cancel(c.ack_timer);
  }
  if (sent && len > 0 && !retransmission && !c.ts_ok && !c.rtt_timing) {
    c.rtt_timing = true;
    c.rtt_seq = seq;
    c.rtt_start_us = now_us;
  }
  return sent;
}

// A pure ACK carries SND.MAX, not SND.NXT: after a timeout rewinds SND.NXT the peer has already seen
// sequence numbers up to SND.MAX, and an ACK from below its RCV.NXT would fail its acceptability test
// and be answered with another ACK — two stacks doing that forever is an ACK storm.
void TcpStack::send_ack(Connection& c, uint64_t now_us) {
  send_segment(c, c.snd_max, 0, flags::kAck, now_us, false);
}

void TcpStack::send_challenge_ack(Connection& c, uint64_t now_us) {
  // RFC 5961 §7: challenge ACKs are rate-limited so they cannot be turned into a reflection.
  if (!rate_limit_ack(c, now_us)) return;
  counters_.challenge_acks.add();
  send_segment(c, c.snd_max, 0, flags::kAck, now_us, false);
}

bool TcpStack::rate_limit_ack(Connection& c, uint64_t now_us) {
  constexpr uint64_t kInvalidAckIntervalUs = 500000;  // Linux's tcp_invalid_ratelimit default
  if (c.invalid_acks_sent > 0 && now_us - c.last_invalid_ack_us < kInvalidAckIntervalUs) {
    if (c.invalid_acks_sent >= 2) return false;
  } else {
    c.invalid_acks_sent = 0;
    c.last_invalid_ack_us = now_us;
  }
  ++c.invalid_acks_sent;
  return true;
}

void TcpStack::send_reset(Connection& c) {
  OutgoingSegment out{&c.tuple, {}, nullptr, 0, 0};
  out.header.source_port = c.tuple.local_port;
  out.header.destination_port = c.tuple.remote_port;
  out.header.seq = c.snd_nxt;
  out.header.ack = c.rcv_nxt;
  out.header.flags = flags::kRst | flags::kAck;
  counters_.resets_sent.add();
  counters_.segments_out.add();
  env_.transmit(env_.ctx, out);
}

// Retransmits the first segment that needs it: with SACK, the first hole the scoreboard calls lost
// (RFC 6675 NextSeg rule 1); otherwise the segment at SND.UNA.
void TcpStack::retransmit_first(Connection& c, uint64_t now_us) {
  Seq seq = c.snd_una;
  uint32_t len = std::min<uint32_t>(c.segment_payload(), c.send_queue.bytes());
  if (c.sack_ok && c.in_recovery) {
    if (auto next = c.scoreboard.next_seg(c.snd_una, c.snd_max, c.high_rxt, c.segment_payload())) {
      seq = next->first;
      len = next->second;
    } else if (seq_gt(c.high_rxt, c.snd_una)) {
      return;  // every hole already retransmitted once in this recovery
    }
  }
  const uint32_t offset = seq_diff(seq, c.snd_una);
  if (offset >= c.send_queue.bytes()) {
    // Only the FIN is outstanding.
    if (c.fin_sent) send_segment(c, c.data_end(), 0, flags::kFin | flags::kAck, now_us, true);
    return;
  }
  len = std::min(len, c.send_queue.bytes() - offset);
  const bool last = offset + len == c.send_queue.bytes();
  const uint8_t f = flags::kAck | flags::kPsh | (last && c.fin_sent ? flags::kFin : 0);
  send_segment(c, seq, len, f, now_us, true);
  if (seq_gt(seq + len, c.high_rxt)) c.high_rxt = seq + len;
  c.rtt_timing = false;  // Karn
}

void TcpStack::output(Connection& c, uint64_t now_us) {
  const TcpState s = c.state;
  const bool can_send = s == TcpState::kEstablished || s == TcpState::kCloseWait ||
                        s == TcpState::kFinWait1 || s == TcpState::kClosing || s == TcpState::kLastAck;
  if (!can_send) {
    if (c.ack_pending && c.segments_unacked >= 2) send_ack(c, now_us);
    return;
  }
  const uint32_t window = std::min(c.cc.cwnd(), c.snd_wnd);
  bool sent_any = false;
  for (;;) {
    const uint32_t offset = seq_diff(c.snd_nxt, c.snd_una);
    if (offset >= c.send_queue.bytes()) break;
    const uint32_t in_flight = seq_diff(c.snd_nxt, c.snd_una);
    if (in_flight >= window) break;
    const uint32_t avail = c.send_queue.bytes() - offset;
    const uint32_t len = std::min({avail, c.segment_payload(), window - in_flight});
    // Sender SWS avoidance (RFC 9293 §3.8.6.2.1) without Nagle: a proxy forwards what it has at once,
    // but never dribbles a small segment into a window that will soon open wider.
    if (len < c.segment_payload() && len < avail && len < c.max_snd_wnd / 2) break;
    const bool retransmission = seq_lt(c.snd_nxt, c.snd_max);
    const bool last = len == avail;
    const bool with_fin = last && c.fin_queued && window - in_flight > len;
    send_segment(c, c.snd_nxt, len, flags::kAck | (last ? flags::kPsh : 0) | (with_fin ? flags::kFin : 0),
                 now_us, retransmission);
    c.snd_nxt += len;
    if (with_fin) {
      c.snd_nxt += 1;
      c.fin_sent = true;
    }
    if (seq_gt(c.snd_nxt, c.snd_max)) c.snd_max = c.snd_nxt;
    sent_any = true;
    if (with_fin) break;
  }
  // A FIN with no data left to carry it.
  if (c.fin_queued && c.snd_nxt == c.data_end() && (!c.fin_sent || seq_lt(c.snd_nxt, c.snd_max))) {
    send_segment(c, c.snd_nxt, 0, flags::kFin | flags::kAck, now_us, c.fin_sent);
    c.snd_nxt += 1;
    c.fin_sent = true;
    if (seq_gt(c.snd_nxt, c.snd_max)) c.snd_max = c.snd_nxt;
    sent_any = true;
  }
  if (c.fin_sent) {
    if (c.state == TcpState::kEstablished) c.state = TcpState::kFinWait1;
    if (c.state == TcpState::kCloseWait) c.state = TcpState::kLastAck;
  }
  // Anything in flight is covered by the retransmission timer, never by the persist timer.
  if (c.flight_size() > 0 && (!c.retransmit_timer.scheduled() || c.persist)) arm_retransmit(c, now_us);
  // Data waiting, nothing in flight, and the window closed or too small to use: the persist timer
  // probes a zero window and overrides sender SWS avoidance (RFC 9293 §3.8.6.1, §3.8.6.2.1).
  if (c.flight_size() == 0 && c.unsent() > 0 && !c.retransmit_timer.scheduled()) {
    c.persist = true;
    if (c.snd_wnd == 0 && !c.zero_window) {
      c.zero_window = true;  // the zero-window bound starts now (TcpStack::zero_window_expired)
      c.zero_window_since_us = now_us;
    }
    timers_.schedule(c.retransmit_timer, retransmit_deadline(c, now_us));
  }
  if (!sent_any && c.ack_pending && c.segments_unacked >= 2) send_ack(c, now_us);
}

}  // namespace tollgate::tcp
