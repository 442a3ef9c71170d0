// Timer expiry: retransmission (RFC 6298), zero-window probes, delayed ACKs, connect timeout,
// keepalive (RFC 9293 §3.8.4) and TIME-WAIT.
#include <algorithm>

#include "engine/tcp/stack.h"

namespace tollgate::tcp {

void TcpStack::advance(uint64_t now_us) {
  const EntryScope entry(*this);
  timers_.advance(now_us, [&](TimerNode& node) { on_timer(node, now_us); });
}

void TcpStack::arm_retransmit(Connection& c, uint64_t now_us) {
  c.persist = false;
  timers_.schedule(c.retransmit_timer, retransmit_deadline(c, now_us));
}

uint64_t TcpStack::retransmit_deadline(Connection& c, uint64_t now_us) {
  const uint64_t rto = now_us + c.rtt.rto_us();
  if (!c.zero_window || config_.zero_window_timeout_us == 0) return rto;
  return std::min(rto, c.zero_window_since_us + config_.zero_window_timeout_us);
}

// RFC 9293 §3.8.6.1 keeps a zero window open as long as the peer answers the probes; a reader that never
// reads would pin the connection and its send queue forever. Called when a probe or retransmission is due
// while the window is zero: starts the clock the first time, resets the connection once it has run out.
bool TcpStack::zero_window_expired(Connection& c, uint64_t now_us) {
  if (config_.zero_window_timeout_us == 0 || c.snd_wnd != 0) return false;
  if (!c.zero_window) {
    c.zero_window = true;
    c.zero_window_since_us = now_us;
    return false;
  }
  if (now_us - c.zero_window_since_us < config_.zero_window_timeout_us) return false;
  counters_.zero_window_timeouts.add();
  send_reset(c);
  close_connection(c, CloseReason::kTimeout);
  return true;
}

void TcpStack::enter_time_wait(Connection& c, uint64_t now_us) {
  c.state = TcpState::kTimeWait;
  timers_.cancel(c.retransmit_timer);
  timers_.schedule(c.life_timer, now_us + config_.time_wait_us);
  // The application is done with a connection in TIME-WAIT: tell it now, keep only the tuple.
  StreamHandler* h = c.handler;
  c.handler = nullptr;
  if (h) h->on_closed(c, CloseReason::kNormal);
  c.send_queue.clear(chunks_, env_.buffers);
  c.receive_queue.clear(chunks_, env_.buffers);
  release_rx_pack(c);
  release_reassembly(c);
}

void TcpStack::on_timer(TimerNode& node, uint64_t now_us) {
  // Timers are members of a pooled Connection: find which one by address.
  const auto* base = reinterpret_cast<const char*>(connections_.data());
  const auto at = static_cast<size_t>(reinterpret_cast<const char*>(&node) - base);
  Connection& c = connections_[at / sizeof(Connection)];
  if (c.state == TcpState::kClosed) return;
  if (&node == &c.ack_timer) {
    if (c.ack_pending) send_ack(c, now_us);
    return;
  }
  if (&node == &c.retransmit_timer) {
    on_retransmit_timeout(c, now_us);
    return;
  }
  // life_timer
  switch (c.state) {
    case TcpState::kSynSent:
      close_connection(c, CloseReason::kTimeout);
      return;
    case TcpState::kTimeWait:
    case TcpState::kFinWait2:
      close_connection(c, CloseReason::kNormal);
      return;
    default:
      break;
  }
  if (config_.keepalive_idle_us == 0) return;
  if (now_us - c.last_activity_us < config_.keepalive_idle_us) {
    timers_.schedule(c.life_timer, c.last_activity_us + config_.keepalive_idle_us);
    return;
  }
  if (c.keepalive_probes >= config_.keepalive_probes) {
    send_reset(c);
    close_connection(c, CloseReason::kTimeout);
    return;
  }
  // A keepalive probe: an ACK for one byte before SND.NXT, which the peer must answer.
  ++c.keepalive_probes;
  send_segment(c, c.snd_una - 1, 0, flags::kAck, now_us, false);
  timers_.schedule(c.life_timer, now_us + config_.keepalive_interval_us);
}

void TcpStack::on_retransmit_timeout(Connection& c, uint64_t now_us) {
  if (c.persist) {
    c.persist = false;
    const uint32_t offset = seq_diff(c.snd_nxt, c.snd_una);
    const uint32_t avail = c.send_queue.bytes() > offset ? c.send_queue.bytes() - offset : 0;
    if (c.flight_size() > 0) {
      arm_retransmit(c, now_us);  // data went out since: the retransmission timer takes over
      return;
    }
    if (avail == 0) return;
    if (zero_window_expired(c, now_us)) return;
    if (c.snd_wnd == 0) {
      // Zero-window probe: a segment from before SND.UNA that the peer must answer with its current
      // window (RFC 9293 §3.8.6.1); it carries no data, so nothing enters the retransmission queue.
      send_segment(c, c.snd_una - 1, 0, flags::kAck, now_us, false);
      c.rtt.back_off();
      c.persist = true;
      timers_.schedule(c.retransmit_timer, retransmit_deadline(c, now_us));
      c.rtt.reset_backoff();
      return;
    }
    // Sender SWS override (RFC 9293 §3.8.6.2.1): the window stayed too small to fill a segment for a
    // whole timeout; send what fits.
    const uint32_t len = std::min({avail, c.segment_payload(), c.snd_wnd});
    send_segment(c, c.snd_nxt, len, flags::kAck | flags::kPsh, now_us, false);
    c.snd_nxt += len;
    if (seq_gt(c.snd_nxt, c.snd_max)) c.snd_max = c.snd_nxt;
    arm_retransmit(c, now_us);
    return;
  }
  counters_.rto_expired.add();
  const bool handshake = c.state == TcpState::kSynSent || c.state == TcpState::kSynReceived;
  // Data (or our FIN) beyond a zero window is retransmitted, not probed: the same bound applies.
  if (!handshake && zero_window_expired(c, now_us)) return;
  const uint32_t limit = handshake ? config_.syn_retransmits : config_.max_retransmits;
  if (++c.retransmits > limit) {
    if (!handshake) send_reset(c);
    close_connection(c, CloseReason::kTimeout);
    return;
  }
  c.rtt.back_off();  // RFC 6298 §5.5
  c.rtt_timing = false;
  if (handshake) {
    const uint8_t f = c.state == TcpState::kSynSent ? flags::kSyn : flags::kSyn | flags::kAck;
    send_segment(c, c.iss, 0, f, now_us, true);
    arm_retransmit(c, now_us);
    return;
  }
  // RFC 5681 §3.1 / RFC 6298 §5.4: collapse the window and go back to SND.UNA.
  c.cc.on_rto(now_us, c.flight_size());
  c.in_recovery = false;
  c.recover = c.snd_max;
  c.dup_acks = 0;
  c.scoreboard.reset(c.snd_una);
  c.snd_nxt = c.snd_una;
  if (c.fin_sent && c.send_queue.bytes() == 0) {
    send_segment(c, c.snd_una, 0, flags::kFin | flags::kAck, now_us, true);
    c.snd_nxt = c.snd_una + 1;
  } else {
    const uint32_t len = std::min<uint32_t>(c.segment_payload(), c.send_queue.bytes());
    const bool with_fin = c.fin_sent && len == c.send_queue.bytes();
    send_segment(c, c.snd_una, len, flags::kAck | flags::kPsh | (with_fin ? flags::kFin : 0), now_us, true);
    c.snd_nxt = c.snd_una + len + (with_fin ? 1 : 0);
  }
  arm_retransmit(c, now_us);
}

}  // namespace tollgate::tcp
