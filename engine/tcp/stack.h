// One core's TCP: its connections, listeners, timers and pools. Every entry point runs on the owning
// core; nothing is shared. The environment (dataplane or test) supplies buffers, the clock values and
// the transmit function; the stack never allocates after construction.
//
// Connection lifetime. A Connection& given to a callback or returned by connect() names one connection
// until its on_closed. Once closed, its slot is not reused before the outermost call into the stack
// (input, advance, connect, write, consume, shutdown, abort) returns: whoever still holds the reference
// within that call — the stack resuming after a callback, or an application that closed one connection
// and opened another from a callback — finds state == kClosed, never a different connection. After that
// call returns the slot may carry a new connection, so an application drops its pointer in on_closed.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "engine/common/timer_wheel.h"
#include "engine/net/address_allow_list.h"
#include "engine/net/addresses.h"
#include "engine/tcp/buffer.h"
#include "engine/tcp/buffer_pressure.h"
#include "engine/tcp/connection.h"
#include "engine/tcp/isn.h"
#include "engine/tcp/segment.h"
#include "engine/tcp/syn_cookie.h"
#include "engine/tcp/types.h"

namespace tollgate::tcp {

// Received data held in buffers, not only bytes (engine/tcp/receive_buffers.cc): payloads up to
// kTinyPayload bytes are copied into a shared buffer once the receive queue holds kCoalesceAfterChunks
// chunks, and refused out of order once the reassembly queue holds kTinyOutOfOrderEntries entries.
inline constexpr uint32_t kTinyPayload = 512;
inline constexpr uint32_t kCoalesceAfterChunks = 8;
inline constexpr size_t kTinyOutOfOrderEntries = 16;

// A segment to put on the wire: header fields plus `length` payload bytes taken `offset` bytes into
// `payload` (the connection's send queue), or no payload.
struct OutgoingSegment {
  const Tuple* tuple;
  SegmentHeader header;
  const ChunkQueue* payload = nullptr;
  uint32_t offset = 0;
  uint32_t length = 0;
};

struct TcpEnvironment {
  BufferOps buffers;
  // Builds and sends the segment (Ethernet/IPv4/TCP headers, payload copied or chained, checksum).
  // Returns false if it could not (no buffer): the stack treats the segment as lost.
  bool (*transmit)(void* ctx, const OutgoingSegment& segment) = nullptr;
  // Whether replies to this tuple are steered to this core (active open picks ports until true).
  bool (*owns)(void* ctx, const Tuple& tuple) = nullptr;
  void* ctx = nullptr;
};

struct Listener {
  net::Ipv4Address address;
  uint16_t port = 0;
  ListenerHandler* handler = nullptr;
  uint32_t max_connections = 0;  // established connections at most; 0: unlimited
  uint32_t connections = 0;      // established or half-open, not yet closed
  uint32_t half_open = 0;        // in SYN-RECEIVED

  uint32_t established() const { return connections - half_open; }
  // Sources a SYN may come from; nullptr: any. Owned by the config generation that installed it.
  const net::AddressAllowList* allowed_clients = nullptr;
  // SYNs refused (reset) because of allowed_clients, kept across generations; read on the owning core.
  uint64_t denied = 0;
  uint32_t last_denied = 0;  // the latest source denied (host order; 0: none), for the sampled log line
};

class TcpStack {
 public:
  TcpStack(const TcpConfig& config, const TcpEnvironment& env, uint32_t max_connections, uint64_t now_us);
  ~TcpStack();
  TcpStack(const TcpStack&) = delete;
  TcpStack& operator=(const TcpStack&) = delete;

  // Passive open on address:port (RFC 9293 LISTEN). False if the table is full or the port taken.
  bool listen(net::Ipv4Address address, uint16_t port, ListenerHandler* handler, uint32_t max_connections,
              const net::AddressAllowList* allowed_clients = nullptr);
  // A listening address:port gets another handler (a new config generation): connections established from
  // now on — half-open ones included — are accepted by `handler`; those accepted before keep the stream
  // handler they got. False if nothing listens there.
  bool set_handler(net::Ipv4Address address, uint16_t port, ListenerHandler* handler,
                   uint32_t max_connections, const net::AddressAllowList* allowed_clients = nullptr);
  // The listener on exactly address:port (its counters), or nullptr.
  const Listener* listener(net::Ipv4Address address, uint16_t port) const;

  // Active open from `local` to remote:port with an ephemeral port this core owns. nullptr if no port
  // or connection slot is free.
  Connection* connect(net::Ipv4Address local, net::Ipv4Address remote, uint16_t remote_port,
                      StreamHandler* handler, uint64_t now_us);

  // A received segment (TCP header + payload, bounded by the IPv4 length) that lies inside `packet`
  // at `offset`. The stack retains `packet` for any payload it keeps; the caller still frees its own
  // reference afterwards.
  void input(PacketRef packet, uint32_t offset, std::span<const uint8_t> segment, net::Ipv4Address source,
             net::Ipv4Address destination, bool checksum_verified, uint64_t now_us);

  // Runs expired timers.
  void advance(uint64_t now_us);

  // Application calls on a connection. write() queues `length` bytes of `packet` from `offset` without
  // copying; false (nothing queued) when the send buffer is full — on_writable follows later.
  bool write(Connection& c, PacketRef packet, uint32_t offset, uint32_t length, uint64_t now_us);
  uint32_t write_space(const Connection& c);  // bytes write() takes now (0 also under buffer pressure)
  void consume(Connection& c, uint32_t bytes, uint64_t now_us);
  void shutdown(Connection& c, uint64_t now_us);  // FIN after the queued data (half-close)
  void abort(Connection& c);                      // RST now; on_closed(kAborted) follows

  // The environment's measure of its buffers (types.h BufferPressure), applied from the next segment on.
  void set_buffer_pressure(BufferPressure p) { pressure_ = p; }
  BufferPressure buffer_pressure() const { return pressure_; }

  const TcpCounters& counters() const { return counters_; }
  const BufferOps& buffers() const { return env_.buffers; }
  const TcpConfig& config() const { return config_; }
  size_t connection_count() const { return used_; }
  size_t chunks_in_use() const { return chunks_.used(); }
  // The core's chunk nodes, for applications that keep byte streams of their own (TLS plaintext).
  ChunkPool& chunk_pool() { return chunks_; }

 private:
  friend struct StackTestPeer;

  // input.cc
  void input_listen(Listener& l, PacketRef packet, uint32_t offset, const SegmentHeader& h, const Tuple& t,
                    uint32_t payload_len, uint64_t now_us);
  void input_syn_sent(Connection& c, const SegmentHeader& h, uint64_t now_us);
  void input_synchronized(Connection& c, PacketRef packet, uint32_t payload_offset, const SegmentHeader& h,
                          uint32_t payload_len, uint64_t now_us);
  bool process_ack(Connection& c, const SegmentHeader& h, uint32_t payload_len, uint64_t now_us);
  void process_data(Connection& c, PacketRef packet, uint32_t payload_offset, Seq seq, uint32_t len,
                    uint64_t now_us);
  void process_fin(Connection& c, uint64_t now_us);
  bool append_received(Connection& c, PacketRef packet, uint32_t offset, uint32_t len);
  bool refused_for_pressure(const Connection& c, bool in_order);
  size_t chunks_allowed() const {  // per queue of a connection, under buffer pressure
    return pressure_ == BufferPressure::kCritical ? kCriticalConnectionChunks : kHeavyConnectionChunks;
  }
  bool coalesce(Connection& c, PacketRef packet, uint32_t offset, uint32_t len);
  void release_rx_pack(Connection& c);
  void on_established(Connection& c, uint64_t now_us);
  void negotiate(Connection& c, const TcpOptions& peer);
  void send_reset_for(const Tuple& t, const SegmentHeader& h, uint32_t payload_len);
  static bool listener_full(const Listener& l) {
    return l.max_connections && l.established() >= l.max_connections;
  }

  // output.cc
  void output(Connection& c, uint64_t now_us);
  bool send_segment(Connection& c, Seq seq, uint32_t len, uint8_t flags, uint64_t now_us,
                    bool retransmission);
  void send_ack(Connection& c, uint64_t now_us);
  void send_challenge_ack(Connection& c, uint64_t now_us);
  bool rate_limit_ack(Connection& c, uint64_t now_us);  // answers to invalid segments: 2 per 500 ms
  void send_reset(Connection& c);
  void retransmit_first(Connection& c, uint64_t now_us);
  uint16_t advertised_window(Connection& c);
  void fill_options(const Connection& c, SegmentHeader& h, bool syn, uint64_t now_us) const;
  uint32_t ts_clock(uint64_t now_us) const { return static_cast<uint32_t>(now_us / 1000); }

  // timers.cc
  void on_timer(TimerNode& node, uint64_t now_us);
  void on_retransmit_timeout(Connection& c, uint64_t now_us);
  void arm_retransmit(Connection& c, uint64_t now_us);
  uint64_t retransmit_deadline(Connection& c, uint64_t now_us);  // one RTO, or the zero-window bound
  bool zero_window_expired(Connection& c, uint64_t now_us);      // true: the connection was reset
  void enter_time_wait(Connection& c, uint64_t now_us);

  // Held by every public entry point that can close a connection: released connections wait on closed_
  // while any entry point is running, and go back to the free list when the outermost one returns.
  class EntryScope {
   public:
    explicit EntryScope(TcpStack& stack) : stack_(stack) { ++stack_.depth_; }
    ~EntryScope() {
      if (--stack_.depth_ == 0 && stack_.closed_) stack_.recycle_closed();
    }
    EntryScope(const EntryScope&) = delete;
    EntryScope& operator=(const EntryScope&) = delete;

   private:
    TcpStack& stack_;
  };

  // stack.cc
  Connection* allocate(const Tuple& t, uint64_t now_us);
  void release(Connection& c);  // frees what the connection holds; its slot waits on closed_
  void recycle_closed();        // closed_ → the free list
  void close_connection(Connection& c, CloseReason reason);
  Connection* find(const Tuple& t) const;
  Listener* find_listener(net::Ipv4Address address, uint16_t port);
  void table_insert(Connection& c);
  void table_erase(Connection& c);
  Reassembly* reassembly_of(Connection& c);
  void release_reassembly(Connection& c);
  uint16_t next_ephemeral_port();

  TcpConfig config_;
  TcpEnvironment env_;
  TcpCounters counters_;
  BufferPressure pressure_ = BufferPressure::kNone;
  ChunkPool chunks_;
  TimerWheel timers_;
  IsnGenerator isn_;
  SynCookies cookies_;
  std::vector<Connection> connections_;
  Connection* free_ = nullptr;
  Connection* closed_ = nullptr;    // released during the current entry point, linked by next_free
  uint32_t depth_ = 0;              // entry points running (the application may call back into the stack)
  size_t used_ = 0;                 // slots not on the free list
  std::vector<Connection*> table_;  // open addressing by tuple hash; nullptr = empty
  size_t table_mask_ = 0;
  std::vector<Listener> listeners_;
  std::vector<std::unique_ptr<Reassembly>> reassembly_pool_;
  std::vector<Reassembly*> reassembly_free_;
  uint16_t ephemeral_cursor_ = 0;
};

}  // namespace tollgate::tcp
