// TLS on one core, for one listener (server role) or for the connections to the targets of pools that
// speak TLS (client role, "end-to-end encryption"). Either way a TLS handshake runs over the TCP stream
// (OpenSSL: ServerHandshake for accepted clients, ClientHandshake towards a target, verified against the
// pool's CA bundle and name); once it is done the SSL is freed, our record layer owns the connection,
// and the user gets the connection's plaintext as a PlainStream: opened records appear in its input
// queue, what it writes is sealed into records. Server role: the application (the L4 forwarder or the
// HTTP proxy) is attached once the handshake is done. Client role: connect() opens the connection and
// returns its stream at once; stream_connected() says the handshake is done.
//
// Cross-connection batching: events only mark a session pending; once per poll iteration flush() queues
// the AEAD work of every pending session (records to open, plaintext to seal) into the core's engine, runs
// it once, then finishes each session in turn. Records we seal fit one packet buffer (max_allocation), so
// each is built where it is sent. Received ciphertext is copied out of the TCP receive queue into the
// session's record buffer (records span segments); opened plaintext lands in a per-core scratch area and
// is copied into packet buffers on the session's input queue. Plaintext the application writes is queued
// by reference and copied once, into the record that carries it.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "engine/common/counter.h"
#include "engine/common/object_pool.h"
#include "engine/net/client_limiter.h"
#include "engine/proxy/plain_stream.h"
#include "engine/proxy/session_tcp_events.h"
#include "engine/tcp/stack.h"
#include "engine/tls/aead_engine.h"
#include "engine/tls/client_context.h"
#include "engine/tls/client_handshake.h"
#include "engine/tls/key_schedule.h"
#include "engine/tls/post_handshake.h"
#include "engine/tls/record.h"
#include "engine/tls/record_types.h"
#include "engine/tls/server_context.h"
#include "engine/tls/server_handshake.h"
#include "engine/tls/traffic_keys.h"

namespace tollgate::proxy {

inline constexpr size_t kHandshakeFailureKinds = 8;

struct TlsCounters {
  Counter sessions;            // connections accepted (server role) or opened (client role)
  Counter handshakes;          // completed
  Counter handshakes_resumed;  // of which resumed
  Counter handshake_failures;  // by reason below (tls::HandshakeFailure)
  Counter handshake_timeouts;  // the peer stalled mid-handshake: reset
  Counter hello_retries;       // handshakes where we sent a HelloRetryRequest (no acceptable key share)
  std::array<Counter, kHandshakeFailureKinds> failures_by_reason;
  Counter records_opened;
  Counter records_sealed;
  Counter bulk_records;   // of which larger than one TCP segment's worth (16 KiB-class)
  Counter aead_batches;   // engine runs: records of every connection of a poll iteration share one
  Counter record_errors;  // bad_record_mac, record_overflow, ...: fatal alert sent
  Counter key_updates;    // KeyUpdate messages received
  // Post-handshake messages (KeyUpdate, tickets, renegotiation) above kPostHandshakePerSecond on one
  // connection: fatal unexpected_message.
  Counter post_handshake_floods;
  Counter renegotiations_refused;  // TLS 1.2 renegotiation attempts answered with no_renegotiation (warning)
  Counter renegotiation_floods;    // one connection tried once more after kMaxRenegotiations refusals: fatal
  Counter discarded_after_close;   // bytes the peer sent after our fatal alert or close_notify: dropped
  Counter resets_after_alert;      // connections reset once the peer acknowledged our fatal alert
  Counter tickets_skipped;         // client role: the target's NewSessionTickets (we resume no sessions)
  Counter alerts_received;
  Counter no_memory;           // no packet buffer, chunk or session: the connection is reset
  Counter app_refused;         // the application had no room for another stream: reset
  Counter plaintext_in;        // bytes opened for the application
  Counter plaintext_packed;    // records whose plaintext went into the room behind the previous one's
  Counter handshakes_refused;  // clients reset at accept: max_handshakes were in progress
  Counter plaintext_out;       // bytes the application had sealed
  // The latest client handshakes_refused turned away (0.0.0.0: none), for the sampled log line.
  net::Ipv4Address last_handshake_refused;
};

class TlsTerminator : public tcp::ListenerHandler {
 public:
  // Server role: a listener's clients, handed to `app` once their handshake is done.
  TlsTerminator(tcp::TcpStack& stack, tls::AeadEngine& engine, const tls::ServerContext& context,
                StreamApplication& app, uint32_t max_sessions, const uint64_t& now_us,
                uint64_t handshake_timeout_us = 10'000'000);
  // Client role only: connections this core opens to targets (connect()).
  TlsTerminator(tcp::TcpStack& stack, tls::AeadEngine& engine, uint32_t max_sessions, const uint64_t& now_us,
                uint64_t handshake_timeout_us = 10'000'000);
  ~TlsTerminator() override;

  tcp::StreamHandler* on_accept(tcp::Connection& client) override;
  net::ClientLimiter* syn_screen() override { return limiter_; }
  // Client role: opens a TCP connection from `local` to remote:port and runs a TLS handshake over it in
  // `context` once it is established. The returned stream reports to `events`: stream_connected() when
  // the target is verified and the keys are ours, stream_closed() if the connection or the handshake
  // fails (or later, when the connection is gone). nullptr when no session or connection is free.
  PlainStream* connect(net::Ipv4Address local, net::Ipv4Address remote, uint16_t port,
                       const tls::ClientContext& context, StreamEvents& events);
  // Some session has work for flush(): its owner flushes again (a response opened on one core-local TLS
  // layer is sealed by another in the same iteration).
  bool pending() const { return !pending_.empty(); }
  // Server role, certificate reload: handshakes that start from now on run in `context`. Those already
  // running keep the one they started in, which the caller keeps alive for handshake_timeout_us() more.
  void set_context(const tls::ServerContext& context) { context_ = &context; }
  uint64_t handshake_timeout_us() const { return handshake_timeout_us_; }
  // Handshakes this core runs at once for the listener (`max_handshakes`); a client arriving past it is
  // reset at accept, before any handshake work. 0: no cap beyond max_sessions.
  void set_max_handshakes(uint32_t n) { max_handshakes_ = n; }
  // The listener's per-client limits (owned by the listener's application or L4 proxy), applied at accept:
  // a client over its connection limits is reset before any handshake work.
  void set_client_limiter(net::ClientLimiter* limiter) { limiter_ = limiter; }
  // Resets every session's connection (a config generation's drain time is over); the application hears
  // stream_closed for each stream it holds.
  void abort_all();

  // Runs the AEAD work of every connection that had an event since the last call as one batch: the owner
  // calls it once per poll iteration, after handing in the iteration's packets.
  void flush();
  // Resets clients whose handshake has not finished by its deadline. Called by the owner's timers.
  void expire(uint64_t now_us);

  const TlsCounters& counters() const { return counters_; }
  size_t sessions_active() const { return active_; }
  // Record buffers currently lent to sessions (each kRecordBuffer bytes): memory accounting and tests.
  size_t buffers_lent() const;
  // What an idle established session occupies here (keys, secrets, state; no record buffer).
  static size_t session_bytes();

 private:
  struct Session;
  // The application's view of an established connection.
  class Stream final : public PlainStream {
   public:
    Session* session = nullptr;
    const tcp::ChunkQueue& input() const override;
    void consume(uint32_t bytes) override;
    bool input_ended() const override;
    uint32_t write_space() const override;
    bool write(tcp::PacketRef packet, uint32_t offset, uint32_t length) override;
    void want_writable() override;
    void shutdown() override;
    void abort() override;
  };
  // Members ordered by size, largest first, flags in bits: an idle connection's whole cost is budgeted
  // (under 4 KiB with its TCP state, tls_proxy_test), so no byte goes to padding.
  struct Session {
    TlsTerminator* owner = nullptr;
    SessionTcpEvents<Session> tcp;  // the peer connection's events
    Stream stream;
    tcp::Connection* connection = nullptr;  // to the peer: a client, or a target (client role)
    StreamEvents* app = nullptr;            // once attached (client role: at once), until told it is gone
    // Until the handshake is done: one or the other, by role.
    std::unique_ptr<tls::ServerHandshake> server_handshake;
    std::unique_ptr<tls::ClientHandshake> client_handshake;
    tls::TrafficKeys read;                    // peer → us
    tls::TrafficKeys write;                   // us → peer
    tls::TrafficSecrets secrets;              // TLS 1.3 KeyUpdate
    tls::PostHandshakeReader post_handshake;  // handshake messages after the handshake, across records
    std::vector<uint8_t> records;  // ciphertext not opened yet; a buffer is lent only while non-empty
    tcp::ChunkQueue plain_in;      // opened plaintext the application has not consumed
    tcp::ChunkQueue plain_out;     // plaintext the application wrote, not sealed yet
    StreamTls tls;                 // what stream.tls points to
    uint64_t post_handshake_window_us = 0;  // start of the second post_handshake_in_window counts in
    uint64_t handshake_deadline_us = 0;
    uint64_t burst_bytes = 0;  // sealed since the connection started or last went idle (record sizing)
    uint64_t last_seal_us = 0;
    size_t handshaking_index = 0;             // position in handshaking_ while the handshake runs
    uint32_t seal_taken = 0;                  // plaintext bytes the batch's records carry
    uint16_t open_first = 0, open_count = 0;  // this session's operations in the current batch
    uint16_t seal_first = 0, seal_count = 0;
    uint16_t post_handshake_in_window = 0;
    uint8_t renegotiations = 0;  // TLS 1.2 renegotiation attempts refused on this connection
    uint8_t batch_alert = 0;     // a record that could not even be queued: alert after the batch
    bool to_target : 1 = false;  // client role
    bool pending : 1 = false;    // in pending_: has work for the next flush
    bool starved : 1 = false;    // the batch filled up while this session was queueing
    bool established : 1 = false;
    bool peer_done : 1 = false;  // close_notify or FIN from the peer
    bool closing : 1 = false;    // our close_notify or a fatal alert is out: the peer's bytes are dropped
    bool reset_when_acked : 1 = false;  // a fatal alert is out: reset once the peer acknowledged it
    bool app_shutdown : 1 = false;    // the application ended its side: close_notify once plain_out is sealed
    bool app_wants_room : 1 = false;  // the application waits for write_space
    bool in_use : 1 = false;
    bool counted_client : 1 = false;  // counted in limiter_ until the session ends
    net::Ipv4Address client;          // (in what would be padding: idle sessions are budgeted)
  };

  Session* open_session();  // nullptr: none free
  void start_session(Session& s, tcp::Connection& connection);
  // The peer connection's events (SessionTcpEvents).
  template <typename>
  friend class SessionTcpEvents;
  void tcp_connected(Session& s);
  void tcp_data(Session& s);
  void tcp_peer_closed(Session& s);
  void tcp_writable(Session& s);
  void tcp_closed(Session& s, tcp::CloseReason reason);
  void start_client_handshake(Session& s);
  template <typename Handshake>
  void handshake_step(Session& s, Handshake& h, tls::HandshakeStatus status);
  size_t pull_ciphertext(Session& s);
  void take_buffer(Session& s);
  void return_buffer(Session& s);
  void end_handshake(Session& s);
  void established(Session& s);
  void mark(Session& s);
  void queue_session(Session& s);
  void queue_seals(Session& s);
  void queue_opens(Session& s);
  void finish_session(Session& s);
  bool finish_opens(Session& s, bool& more, bool& delivered);
  void after_io(Session& s, bool delivered);
  enum class PostHandshake : uint8_t { kSkipped, kKeysChanged, kClosed };
  PostHandshake handle_post_handshake(Session& s, std::span<const uint8_t> content);
  bool post_handshake_allowed(Session& s, uint16_t messages);
  bool refuse_renegotiation(Session& s);
  bool handle_alert(Session& s, std::span<const uint8_t> content);
  bool deliver(Session& s, std::span<const uint8_t> plaintext);  // onto plain_in, packet-sized copies
  bool send_record(Session& s, tls::ContentType type, std::span<const uint8_t> content);  // one sealed record
  bool next_generation(tls::TrafficKeys& keys, uint8_t* secret, size_t length);           // KeyUpdate
  void fatal(Session& s, uint8_t alert);
  void close_after_alert(Session& s);
  void discard_input(Session& s);
  void reset_if_acknowledged(Session& s);
  void close_notify(Session& s);
  void maybe_free(Session& s);

  tcp::TcpStack& stack_;
  tls::AeadEngine& engine_;
  const tls::ServerContext* context_;  // server role
  StreamApplication* app_;             // server role
  ObjectPool<Session> sessions_;
  size_t active_ = 0;
  tls::AeadEngine control_;        // alerts and KeyUpdates, sealed at once even mid-batch
  std::vector<Session*> pending_;  // sessions with work for the next flush
  std::vector<Session*> work_;     // the sessions of the batch being run
  std::array<tls::OpenTicket, tls::AeadEngine::kCapacity> open_tickets_;
  std::array<size_t, tls::AeadEngine::kCapacity> open_ends_;  // record end offsets in the session's buffer
  std::array<tls::SealTicket, tls::AeadEngine::kCapacity> seal_tickets_;
  std::array<tcp::PacketRef, tls::AeadEngine::kCapacity> seal_packets_;
  uint16_t opens_ = 0, seals_ = 0;
  size_t scratch_at_ = 0;
  std::vector<uint8_t> scratch_;  // opened plaintext of one batch
  std::vector<uint8_t> flight_;   // handshake output of one feed
  static constexpr size_t kSpareBuffers = 256;
  std::vector<std::vector<uint8_t>> spare_buffers_;  // record buffers not lent to a session
  std::vector<Session*> handshaking_;                // sessions whose handshake is running
  const uint64_t& now_us_;
  uint64_t handshake_timeout_us_;
  uint32_t max_handshakes_ = 0;
  net::ClientLimiter* limiter_ = nullptr;
  TlsCounters counters_;
};

}  // namespace tollgate::proxy
