// TLS offload at L4: each accepted client connection runs a TLS handshake (OpenSSL, over the TCP
// stream), then our record layer opens the client's records and seals the backend's bytes, and the
// plaintext is proxied to a backend connection opened on the same core once the handshake is done.
//
// Per event, all complete records of a connection go through the core's AeadEngine as one batch. Records
// we seal fit one packet buffer (max_allocation, an mbuf's data room), so each is built where it is sent.
// Received ciphertext is copied out of the TCP receive queue into the session's record buffer (records
// span segments); opened plaintext lands in a per-core scratch area and is copied into packet buffers
// for the backend.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "engine/common/counter.h"
#include "engine/net/addresses.h"
#include "engine/proxy/tcp_proxy.h"
#include "engine/tcp/stack.h"
#include "engine/tls/aead_engine.h"
#include "engine/tls/key_schedule.h"
#include "engine/tls/record.h"
#include "engine/tls/record_types.h"
#include "engine/tls/server_context.h"
#include "engine/tls/server_handshake.h"
#include "engine/tls/traffic_keys.h"

namespace tollgate::proxy {

inline constexpr size_t kHandshakeFailureKinds = 8;

struct TlsProxyCounters {
  Counter sessions;            // client connections accepted
  Counter handshakes;          // completed
  Counter handshakes_resumed;  // of which resumed
  Counter handshake_failures;  // by reason below (tls::HandshakeFailure)
  Counter handshake_timeouts;  // the client stalled mid-handshake: reset
  Counter hello_retries;       // handshakes where we sent a HelloRetryRequest (no acceptable key share)
  std::array<Counter, kHandshakeFailureKinds> failures_by_reason;
  Counter backend_connects;
  Counter backend_failures;
  Counter records_opened;
  Counter records_sealed;
  Counter bulk_records;   // of which larger than one TCP segment's worth (16 KiB-class)
  Counter aead_batches;   // engine runs: records of every connection of a poll iteration share one
  Counter record_errors;  // bad_record_mac, record_overflow, ...: fatal alert sent
  Counter key_updates;    // KeyUpdate messages received
  Counter alerts_received;
  Counter no_memory;  // no packet buffer or session: the connection is reset
  Counter bytes_to_backend;
  Counter bytes_to_client;
};

class TlsProxy : public tcp::ListenerHandler {
 public:
  TlsProxy(tcp::TcpStack& stack, tls::AeadEngine& engine, const tls::ServerContext& context,
           net::Ipv4Address backend_source, std::vector<Target> targets, uint32_t max_sessions,
           const uint64_t& now_us, uint64_t handshake_timeout_us = 10'000'000);
  ~TlsProxy() override;

  tcp::StreamHandler* on_accept(tcp::Connection& client) override;

  // Runs the AEAD work of every connection that had an event since the last call as one batch: the owner
  // calls it once per poll iteration, after handing in the iteration's packets.
  void flush();

  // Resets clients whose handshake has not finished by its deadline. Called by the owner's timers.
  void expire(uint64_t now_us);

  const TlsProxyCounters& counters() const { return counters_; }
  size_t sessions_active() const { return active_; }
  // Record buffers currently lent to sessions (each kRecordBuffer bytes): memory accounting and tests.
  size_t buffers_lent() const;
  // What an idle established session occupies in the proxy (keys, secrets, state; no record buffer).
  static size_t session_bytes();

 private:
  struct Session;
  class Side : public tcp::StreamHandler {
   public:
    Session* session = nullptr;
    tcp::Connection* connection = nullptr;
    bool is_client = false;
    void on_connected(tcp::Connection& c) override;
    void on_data(tcp::Connection& c) override;
    void on_peer_closed(tcp::Connection& c) override;
    void on_writable(tcp::Connection& c) override;
    void on_closed(tcp::Connection& c, tcp::CloseReason reason) override;
  };
  struct Session {
    TlsProxy* proxy = nullptr;
    Side client;
    Side backend;
    std::unique_ptr<tls::ServerHandshake> handshake;  // until the handshake is done
    tls::TrafficKeys read;                            // client → us
    tls::TrafficKeys write;                           // us → client
    tls::TrafficSecrets secrets;                      // TLS 1.3 KeyUpdate
    std::vector<uint8_t> records;  // ciphertext not opened yet; a buffer is lent only while non-empty
    uint64_t handshake_deadline_us = 0;
    bool pending = false;  // in pending_: has work for the next flush
    bool client_fin_forwarded = false;
    uint16_t open_first = 0, open_count = 0;  // this session's operations in the current batch
    uint16_t seal_first = 0, seal_count = 0;
    uint32_t seal_taken = 0;   // backend bytes the batch's records carry
    uint8_t batch_alert = 0;   // a record that could not even be queued: alert after the batch
    bool starved = false;      // the batch filled up while this session was queueing
    uint64_t burst_bytes = 0;  // sealed since the connection started or last went idle (record sizing)
    uint64_t last_seal_us = 0;
    size_t handshaking_index = 0;  // position in handshaking_ while the handshake runs
    bool established = false;
    bool backend_connected = false;
    bool client_done = false;  // close_notify or FIN from the client
    bool closing = false;      // our close_notify or a fatal alert is out
    bool in_use = false;
  };

  void client_data(Session& s);
  size_t pull_ciphertext(Session& s);
  void take_buffer(Session& s);
  void return_buffer(Session& s);
  void end_handshake(Session& s);
  void mark(Session& s);
  void queue_session(Session& s);
  void finish_session(Session& s);
  bool handle_post_handshake(Session& s, std::span<const uint8_t> message);
  // Copies bytes into packet-sized buffers on c's send queue (handshake flights, opened plaintext).
  bool copy_to(tcp::Connection& c, std::span<const uint8_t> bytes);
  bool send_record(Session& s, tls::ContentType type, std::span<const uint8_t> content);  // one sealed record
  bool next_generation(tls::TrafficKeys& keys, uint8_t* secret, size_t length);           // KeyUpdate
  void fatal(Session& s, uint8_t alert);
  void close_notify(Session& s);
  void end_side(Side& side, tcp::CloseReason reason);
  void maybe_free(Session& s);
  const Target& next_target();

  tcp::TcpStack& stack_;
  tls::AeadEngine& engine_;
  const tls::ServerContext& context_;
  net::Ipv4Address backend_source_;
  std::vector<Target> targets_;
  size_t next_target_ = 0;
  uint32_t max_sessions_;
  std::vector<std::unique_ptr<Session>> sessions_;  // grown on demand up to max_sessions_, then reused
  std::vector<Session*> free_;
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
  TlsProxyCounters counters_;
};

}  // namespace tollgate::proxy
