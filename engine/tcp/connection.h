// One TCP connection's state (RFC 9293 §3.3.1 TCB) and the application interfaces. A connection lives in
// its core's pool; only that core touches it. Field groups follow the RFC's send/receive variables.
#pragma once

#include <cstdint>

#include "engine/common/timer_wheel.h"
#include "engine/tcp/chunk_queue.h"
#include "engine/tcp/congestion.h"
#include "engine/tcp/reassembly.h"
#include "engine/tcp/rtt_estimator.h"
#include "engine/tcp/sack_scoreboard.h"
#include "engine/tcp/sequence.h"
#include "engine/tcp/tuple.h"
#include "engine/tcp/types.h"

namespace tollgate::net {
class ClientLimiter;
}

namespace tollgate::tcp {

class Connection;
struct Listener;

// The application's side of a connection, called from the owning core's poll loop.
class StreamHandler {
 public:
  virtual ~StreamHandler() = default;
  virtual void on_connected(Connection&) {}
  // New in-order bytes are in receive_queue(); take them with TcpStack::consume.
  virtual void on_data(Connection&) = 0;
  // The peer sent FIN: no more data will arrive (half-close; we may still send).
  virtual void on_peer_closed(Connection&) {}
  // Send-buffer space was freed (after a write was refused or the buffer ran low).
  virtual void on_writable(Connection&) {}
  // Last call for this connection. Its slot is recycled once the outermost call into the stack returns
  // (stack.h, "Connection lifetime"): drop any pointer to it here.
  virtual void on_closed(Connection&, CloseReason) = 0;
};

// Decides whether to accept a connection that reached ESTABLISHED on a listener.
class ListenerHandler {
 public:
  virtual ~ListenerHandler() = default;
  // Returns the connection's handler, or nullptr to reset it.
  virtual StreamHandler* on_accept(Connection&) = 0;
  // The per-client limits that screen this listener's SYNs (ClientLimiter::screen): a client already over
  // its limits is reset at its SYN, before any state or handshake; nullptr: none. on_accept still admits.
  virtual net::ClientLimiter* syn_screen() { return nullptr; }
};

// Out-of-order segments: allocated from a per-core pool only while a connection has a hole.
// Enough entries for a full 256 KiB window of MSS segments behind one hole (each segment is its own
// entry: entries are never merged across packet buffers).
inline constexpr size_t kReassemblySegments = 256;
using Reassembly = ReassemblyQueue<PacketRef, kReassemblySegments>;

class Connection {
 public:
  Tuple tuple{};
  TcpState state = TcpState::kClosed;
  uint32_t index = 0;  // slot in the core's pool
  StreamHandler* handler = nullptr;
  Listener* listener = nullptr;  // passive opens: counted in the listener until closed
  void* user = nullptr;          // the application's per-connection pointer

  // Send sequence space (RFC 9293 §3.3.1).
  Seq iss = 0;
  Seq snd_una = 0;
  Seq snd_nxt = 0;
  Seq snd_max = 0;       // highest sequence sent so far (snd_nxt rewinds on RTO)
  uint32_t snd_wnd = 0;  // peer's window, scaled
  uint32_t max_snd_wnd = 0;
  Seq snd_wl1 = 0;
  Seq snd_wl2 = 0;
  uint16_t send_mss = 536;  // RFC 9293 §3.7.1 default until the peer's MSS option says otherwise
  uint8_t snd_wscale = 0;
  uint8_t rcv_wscale = 0;
  ChunkQueue send_queue;    // every byte from snd_una on: unacknowledged, then unsent
  bool fin_queued = false;  // the application shut down its side; FIN follows the queued data
  bool fin_sent = false;
  bool write_blocked = false;  // a write was refused: call on_writable when space returns

  // Receive sequence space.
  Seq irs = 0;
  Seq rcv_nxt = 0;
  Seq rcv_adv = 0;           // right edge of the window we last advertised
  ChunkQueue receive_queue;  // in-order bytes the application has not consumed
  // Tiny in-order payloads are copied into this buffer of our own once the receive queue is long (see
  // TcpStack::append_received), rather than each pinning the packet buffer it arrived in. We hold one
  // reference while it has room; bytes [0, rx_pack_used) belong to chunks, the rest is free.
  PacketRef rx_pack = nullptr;
  uint32_t rx_pack_used = 0;
  Reassembly* reassembly = nullptr;
  bool fin_received = false;
  bool fin_pending = false;  // a FIN arrived (possibly ahead of missing data) at fin_seq
  Seq fin_seq = 0;
  SackBlock last_ooo{};  // most recent out-of-order block, reported first in SACK (RFC 2018 §4)

  // Options agreed in the handshake.
  bool sack_ok = false;
  bool ts_ok = false;
  uint32_t ts_recent = 0;  // RFC 7323 §4.3
  Seq last_ack_sent = 0;

  // Congestion control, RTT and loss recovery.
  CongestionControl cc{CongestionAlgorithm::kCubic, 536};
  RttEstimator rtt;
  SackScoreboard scoreboard;
  bool in_recovery = false;
  Seq recover = 0;   // RFC 6582 "recover"
  Seq high_rxt = 0;  // RFC 6675 HighRxt
  uint8_t dup_acks = 0;
  uint8_t retransmits = 0;  // consecutive RTO expirations (or SYN retransmissions)
  bool rtt_timing = false;  // Karn: timing one segment without timestamps
  Seq rtt_seq = 0;
  uint64_t rtt_start_us = 0;

  // ACK generation.
  uint8_t segments_unacked = 0;  // full segments received since our last ACK
  // Data segments still acknowledged at once at the start of a connection (quick ACKs, as Linux does):
  // request/response exchanges (a TLS handshake's last flight, a small request) would otherwise wait
  // for our delayed ACK while the peer's Nagle holds its next small segment.
  uint8_t quick_acks = 16;
  bool ack_pending = false;
  uint8_t invalid_acks_sent = 0;  // ACKs answering unacceptable segments in the current interval
  uint64_t last_invalid_ack_us = 0;

  // Timers (intrusive: no allocation to arm them).
  TimerNode retransmit_timer;  // RTO, SYN/SYN-ACK retransmission, or zero-window probe
  TimerNode ack_timer;         // delayed ACK
  TimerNode life_timer;        // connect timeout, keepalive, TIME-WAIT
  uint64_t last_activity_us = 0;
  uint8_t keepalive_probes = 0;
  bool persist = false;  // retransmit_timer is running as the persist timer
  // The peer's window has been zero since zero_window_since_us while we had something to send (bounded by
  // TcpConfig::zero_window_timeout_us); cleared when the window opens or nothing is left to send.
  bool zero_window = false;
  uint64_t zero_window_since_us = 0;

  Connection* next_free = nullptr;  // pool free list, or the stack's list of slots closed in this entry point

  // Most payload bytes per segment: the MSS counts data and TCP options together (RFC 6691), and the
  // timestamps option rides on every segment once agreed.
  uint32_t segment_payload() const { return send_mss - (ts_ok ? 12u : 0u); }
  // Sequence number just past the last queued data byte (valid once our SYN is acknowledged).
  Seq data_end() const { return snd_una + send_queue.bytes(); }
  bool reassembly_empty() const { return reassembly == nullptr || reassembly->size() == 0; }
  // Our initial sequence number and everything measured from it: the send pointers, NewReno's
  // "recover" (RFC 6582 §3.2 step 1: initialised to ISS) and the SACK scoreboard's cumulative point.
  // Left at zero, the modular comparisons against them would go either way depending on the ISN.
  void start_send_sequence(Seq initial) {
    iss = snd_una = snd_nxt = snd_max = initial;
    recover = high_rxt = initial;
    scoreboard.reset(initial);
  }
  uint32_t flight_size() const { return seq_diff(snd_max, snd_una); }
  // Bytes queued but never sent.
  uint32_t unsent() const {
    const uint32_t sent = seq_diff(snd_max, snd_una) - (fin_sent ? 1u : 0u);
    return send_queue.bytes() > sent ? send_queue.bytes() - sent : 0;
  }
};

}  // namespace tollgate::tcp
