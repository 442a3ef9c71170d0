// TCP states, per-stack configuration and counters. Types only.
#pragma once

#include <cstdint>
#include <string_view>

#include "engine/common/counter.h"

namespace tollgate::tcp {

// RFC 9293 §3.3.2. LISTEN belongs to listeners, never to a connection.
enum class TcpState : uint8_t {
  kClosed,
  kSynSent,
  kSynReceived,
  kEstablished,
  kFinWait1,
  kFinWait2,
  kCloseWait,
  kClosing,
  kLastAck,
  kTimeWait,
};

constexpr std::string_view state_name(TcpState s) {
  constexpr std::string_view names[] = {"CLOSED",     "SYN-SENT",   "SYN-RECEIVED", "ESTABLISHED",
                                        "FIN-WAIT-1", "FIN-WAIT-2", "CLOSE-WAIT",   "CLOSING",
                                        "LAST-ACK",   "TIME-WAIT"};
  return names[static_cast<uint8_t>(s)];
}

// Why a connection ended, as its application sees it.
enum class CloseReason : uint8_t {
  kNormal,   // both FINs exchanged (or our FIN acknowledged after theirs)
  kReset,    // the peer sent an acceptable RST
  kAborted,  // we sent RST (application abort or protocol violation)
  kTimeout,  // retransmissions exhausted, or connect timeout
  kRefused,  // RST in answer to our SYN
};

// The smallest segment size we send, whatever the peer announces: RFC 9293 §3.7.1's default, which every
// IPv4 host must accept (576-byte datagrams). A peer announcing less (Linux refuses below 48 since
// CVE-2019-11479) would otherwise make us cut the stream into thousands of tiny segments, each costing a
// buffer, a header and a transmit.
inline constexpr uint16_t kMinSendMss = 536;

struct TcpConfig {
  uint16_t mss = 1460;                     // what we advertise and the most we send (from the MTU)
  uint8_t window_scale = 7;                // our receive window shift (RFC 7323)
  uint32_t receive_window = 256 * 1024;    // bytes a connection may hold unread (advertised window)
  uint32_t send_buffer = 256 * 1024;       // bytes an application may queue before writes are refused
  uint32_t reassembly_bytes = 256 * 1024;  // out-of-order bytes held per connection
  bool sack = true;
  bool timestamps = true;
  bool cubic = true;                // CUBIC (RFC 9438) by default, NewReno (RFC 6582) otherwise
  uint32_t delayed_ack_us = 40000;  // RFC 9293 §3.8.6.3 allows up to 500 ms; 40 ms like Linux
  uint32_t min_rto_us = 200000;
  uint32_t initial_rto_us = 1000000;
  uint32_t max_rto_us = 60000000;
  uint32_t max_retransmits = 12;  // then the connection is reset (timeout)
  uint32_t syn_retransmits = 5;
  uint32_t connect_timeout_us = 10000000;
  uint32_t time_wait_us = 30000000;  // 2*MSL with MSL = 15 s
  uint32_t keepalive_idle_us = 0;    // 0: off
  uint32_t keepalive_interval_us = 10000000;
  uint32_t keepalive_probes = 6;
  uint32_t syn_backlog = 1024;  // half-open connections per listener before SYN cookies
  // How long the peer may keep its window at zero while we have data (or a FIN) to send: persist probes
  // it answers keep the connection alive, so without a bound a reader that never reads pins the connection
  // and its send queue forever. Then the connection is reset (kTimeout). 0: no bound.
  uint64_t zero_window_timeout_us = 60000000;
};

struct TcpCounters {
  Counter active;          // connections not CLOSED (including TIME-WAIT)
  Counter opened_passive;  // reached ESTABLISHED from a listener
  Counter opened_active;   // reached ESTABLISHED from connect()
  Counter closed;
  Counter segments_in;
  Counter segments_out;
  Counter retransmits;  // segments sent again (RTO, fast retransmit, SACK recovery)
  Counter rto_expired;
  Counter fast_retransmits;
  Counter dup_acks;
  Counter out_of_order_bytes;
  Counter out_of_order_refused;  // segments the reassembly queue could not hold (full or over budget)
  Counter paws_rejected;         // old timestamp (RFC 7323 §5.3): dropped, ACKed
  Counter out_of_window;         // sequence outside the receive window: dropped, ACKed (rate-limited)
  Counter beyond_window_bytes;   // payload past the window's right edge, trimmed
  Counter syn_cookies_sent;
  Counter syn_cookies_validated;
  Counter syn_cookies_failed;
  Counter resets_sent;
  Counter resets_received;
  Counter challenge_acks;
  Counter bad_checksum;
  Counter malformed;
  Counter no_connection;    // segment for no connection and no listener (answered with RST)
  Counter listen_overflow;  // listener at its connection limit: SYN refused
  Counter no_memory;        // a pool was empty (connection, chunk)
  Counter time_wait_reused;
  // SYNs answered with a cookie while half-open entries filled the listener's max_connections (a spoofed
  // flood must not lock real clients out: cookies take over before the limit).
  Counter syn_cookies_at_limit;
  Counter reassembly_stalled;    // in-order data left out of order for want of chunks: not acknowledged
  Counter zero_window_timeouts;  // peer held a zero window past zero_window_timeout_us: reset
  Counter small_mss_raised;      // peer announced an MSS below kMinSendMss: we send kMinSendMss anyway
  Counter rx_coalesced;          // tiny in-order payloads copied into a shared buffer (receive queue long)
  Counter tiny_out_of_order_refused;  // tiny out-of-order segments refused (reassembly queue long)
  // The global buffer reserve (BufferPressure): what was refused to keep the last buffers for RX refill
  // and the connections that hold few.
  Counter syn_refused_pressure;  // SYNs (and cookie ACKs) refused: buffers critically short
  Counter rx_refused_pressure;   // in-order segments not taken (not acknowledged) from a heavy connection
  Counter ooo_refused_pressure;  // out-of-order segments not kept: buffers short
  Counter tx_held_pressure;      // writers told there is no room: their send queue holds many buffers
};

}  // namespace tollgate::tcp
