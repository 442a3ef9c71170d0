// The L7 proxy of one HTTP listener on one core: each client connection carries a sequence of HTTP/1.1
// requests (keep-alive, pipelining); each request is parsed (engine/http), matched against the
// listener's rules (engine/routing, one Hyperscan scan of host and path) and either answered here
// (fixed response, redirect, error) or forwarded to a target of a pool over a keep-alive upstream
// connection (UpstreamPools). Bodies stream both ways without being buffered whole: body bytes move as
// chunk references from one connection's receive queue to the other's send queue (no copy between the
// two connections), as far as the receiving side has room (back-pressure). Only heads are copied: a request
// or response head is parsed where it lies when it sits in one buffer, else gathered into a per-core
// scratch area. On the wire it is not zero copy: the dataplane's TX path builds every TCP segment in a new
// packet buffer, copying the payload out of the send queue, with checksums computed in software.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "engine/balancing/prng.h"
#include "engine/common/counter.h"
#include "engine/common/object_pool.h"
#include "engine/common/timer_wheel.h"
#include "engine/http/body_framer.h"
#include "engine/http/forward_writer.h"
#include "engine/http/local_responses.h"
#include "engine/http/request_parser.h"
#include "engine/net/client_limiter.h"
#include "engine/proxy/access_log_ring.h"
#include "engine/proxy/access_record.h"
#include "engine/proxy/tcp_stream.h"
#include "engine/proxy/upstream_pools.h"
#include "engine/routing/route_scratch.h"
#include "engine/routing/route_table.h"
#include "engine/shm/histogram.h"
#include "engine/tcp/stack.h"

namespace tollgate::proxy {

inline http::ParseLimits default_response_limits() {
  http::ParseLimits l;
  l.max_head_bytes = 32 * 1024;
  l.max_headers = http::HeaderStore::kCapacity;
  l.max_body_bytes = UINT64_MAX >> 1;
  return l;
}

struct HttpListenerSettings {
  std::string name;
  bool https = false;  // X-Forwarded-Proto, redirect #{protocol}, HSTS
  uint16_t port = 80;  // X-Forwarded-Port, redirect #{port}
  const routing::RouteTable* routes = nullptr;
  std::string hsts;          // Strict-Transport-Security value added to HTTPS responses; empty: none
  http::ParseLimits limits;  // requests
  // Responses from targets: their own head limits (a target's large cookie set is not a client's abuse),
  // no body limit (the client reads at its own pace). A head over them is a 502.
  http::ParseLimits response_limits = default_response_limits();
  uint64_t header_timeout_us = 10'000'000;  // first byte to complete head (slow headers → 408)
  // Inactivity of any kind: a keep-alive connection without a request is closed; a request body, a
  // response or a tunnel that moves no byte either way for this long is reset; an answer the client does
  // not read within it after we closed our side is reset too (ALB's idle timeout).
  uint64_t idle_timeout_us = 60'000'000;
  uint32_t core = 0;  // in request ids
  // Access log: one record per request into this core's ring (none when null). `listener_index` is the
  // listener's position in the config; wall clock = now_us + unix_offset_us.
  AccessLogRing* access_log = nullptr;
  uint16_t listener_index = 0;
  int64_t unix_offset_us = 0;
  uint64_t config_generation = 0;  // in each access-log record: which config's names its indices are
  uint64_t seed = 0;               // weighted forward actions; 0: taken from now_us at construction
  // Per client address: connections held and opened per second (over them: reset at accept), requests
  // per second (over it: 429 with Retry-After). Counted per core and listener.
  net::ClientLimits client_limits;
  // Rules match, and targets get, the path's normal form (http/path_normalize.h); off: the path as received.
  bool normalize_path = true;
  // What becomes of a client's X-Forwarded-For (http/forward_writer.h).
  http::XffMode xff = http::XffMode::kAppend;
};

// Statuses the proxy answers itself, counted apiece.
enum class LocalStatus : uint8_t {
  k400,
  k408,
  k413,
  k431,
  k501,
  k502,
  k503,
  k504,
  k505,
  kOther,
  k405,
  k429,
  kCount
};

struct HttpProxyCounters {
  Counter connections;
  Counter requests;
  std::array<Counter, 6> responses_by_class;  // [1..5]: 1xx..5xx sent to clients (index 0 unused)
  std::array<Counter, static_cast<size_t>(LocalStatus::kCount)> local_errors;
  Counter fixed_responses;
  Counter redirects;
  Counter forwarded;  // requests sent to a target
  Counter retries;    // a failed connect retried on another target
  Counter tunnels;    // upgraded connections (WebSocket)
  Counter no_session;
  // Pipelining: a connection's queued requests left for the next poll once an event's budget was spent,
  // and a pause because the client did not read the answers already queued for it.
  Counter pipeline_deferred;
  Counter pipeline_backpressure;
  // Requests, responses or tunnels reset after idle_timeout_us without a byte moving, and closing
  // connections whose client never read our last answer.
  Counter transfer_timeouts;
  Counter linger_timeouts;
  // Requests whose path's normal form differs from its spelling.
  Counter paths_normalized;
  Counter bytes_from_clients;  // body bytes forwarded
  Counter bytes_to_clients;
  // Request head parsed to the end of the response (or of our own answer; a WebSocket's 101), microseconds.
  shm::LatencyHistogram request_time;
};

// One rule of the listener's table: how often it won and what it did.
struct RuleCounters {
  Counter matches;
  Counter fixed_responses;
  Counter redirects;
  Counter forwarded;  // a pool was chosen (the request may still end in 503 for want of a target)
};

class HttpProxy : public tcp::ListenerHandler, public StreamApplication {
 public:
  // `route_scratch` is prepared for settings.routes (RouteScratch::for_table).
  HttpProxy(tcp::TcpStack& stack, UpstreamPools& pools, HttpListenerSettings settings,
            routing::RouteScratch route_scratch, uint32_t max_sessions, const uint64_t& now_us);
  ~HttpProxy() override;

  // A plaintext client connection (http listeners).
  tcp::StreamHandler* on_accept(tcp::Connection& client) override;
  net::ClientLimiter* syn_screen() override { return client_limiter(); }
  // A client whose stream another layer carries (TLS for https listeners): the returned events receiver
  // is the session; nullptr when no session is free (the caller resets the client).
  StreamEvents* attach(PlainStream& down) override;
  // Timeouts: slow headers, idle keep-alive clients, upstream connect and response, stalled transfers.
  // Called by the core's timers.
  void expire(uint64_t now_us);
  // Once per poll iteration: connections whose pipelined requests outlasted an event's budget go on.
  void run_deferred();
  // A newer config generation takes the listener's new connections: the connections here finish on this
  // one. Every response from now on carries `Connection: close` and its connection closes after it (the
  // client opens a new one, which the new generation takes). A connection idle between requests is left
  // open until its next response, its idle timeout or close_all: closing it now could meet a request the
  // client is already sending, which would fail.
  void drain() { draining_ = true; }
  bool draining() const { return draining_; }
  // The drain time is over. Soft: idle connections are closed (FIN), connections with a request or
  // response under way are reset, those already closing are left to finish. Hard: every one is reset.
  void close_all(bool hard);

  const HttpProxyCounters& counters() const { return counters_; }
  // By the rule's position in the route table (priority order); the default action has none.
  std::span<const RuleCounters> rule_counters() const { return rule_counters_; }
  const HttpListenerSettings& settings() const { return settings_; }
  // nullptr when the listener has no client limits. On https listeners the TLS layer applies the
  // connection limits at accept (before the handshake) with this same limiter; requests are limited here.
  const net::ClientLimiter* client_limiter() const { return limiter_ ? &*limiter_ : nullptr; }
  net::ClientLimiter* client_limiter() { return limiter_ ? &*limiter_ : nullptr; }
  size_t sessions_active() const { return active_; }

 private:
  struct Session;
  enum class Stage : uint8_t {
    kHead,        // waiting for (the rest of) a request head
    kConnecting,  // request parsed and routed; its upstream connection is being opened
    kForwarding,  // head sent: request body and response move
    kTunnel,      // after 101 Switching Protocols: bytes both ways until either side closes
    kClosing,     // the last response is queued; the client connection closes after it
  };
  enum class Deadline : uint8_t {
    kNone,
    kIdle,      // between requests
    kHeader,    // a request head under way
    kConnect,   // the upstream connection being opened
    kBody,      // the request body moving to the target (re-armed by progress)
    kResponse,  // the whole request sent, its response head awaited
    kTransfer,  // the response body or a tunnel moving (re-armed by progress)
    kLinger,    // our side closed, the last answer not yet taken by the client
  };

  struct Session : UpstreamOwner, StreamEvents {
    HttpProxy* proxy = nullptr;
    TcpStream tcp;                // the client's stream on a plaintext listener
    PlainStream* down = nullptr;  // the client's stream: &tcp, or a TLS connection's; nullptr once gone
    bool client_shut = false;     // our side of the client stream is shut down
    Upstream* upstream = nullptr;
    Stage stage = Stage::kHead;
    Deadline deadline = Deadline::kNone;
    uint64_t deadline_us = 0;
    OwnedTimer<Session> timer;  // due at deadline_us or earlier (then rearmed): see arm()
    // The request in flight.
    http::Method method = http::Method::kGet;
    uint32_t pool = 0;
    int32_t target = -1;
    bool retried = false;
    bool keep_alive = true;     // the client's connection stays open after this exchange
    bool request_done = false;  // the whole request body has been forwarded
    bool response_started = false;
    bool response_done = false;
    bool websocket = false;  // the request asked for an upgrade
    // A bodiless request's head stays in the receive queue until the response starts, so a kept-alive
    // connection the target closed at that moment can be retried on a fresh one.
    uint32_t head_kept = 0;
    bool reused = false;  // the request went out on a kept-alive connection
    http::BodyFramer request_body;
    http::BodyFramer response_body;
    http::BodyKind response_kind = http::BodyKind::kNone;
    bool upstream_keep_alive = true;  // the response allows another request on its connection
    bool http10 = false;              // the client spoke HTTP/1.0
    uint64_t request_id = 0;
    // Access log of the exchange in flight (made on first need when logging is on).
    std::unique_ptr<AccessRecord> log;
    bool logging = false;  // `log` describes a request not yet pushed
    uint64_t started_us = 0, sent_us = 0, answered_us = 0;
    bool timing = false;  // a request was parsed and its request_time is not recorded yet
    bool in_use = false;
    size_t active_index = 0;
    net::Ipv4Address client;      // the client's address, for its per-client limits
    bool counted_client = false;  // counted in limiter_ until the session ends
    bool serving = false;         // serve() runs for this session (it never nests)
    bool deferred = false;        // in deferred_: its pipeline goes on at the next poll
    // How far the pending head has been searched for its end, and the search state there: a head that
    // arrives a byte at a time is scanned once, not parsed again from its start on every segment.
    uint32_t scanned = 0;
    uint8_t scan_state = 0;

    void upstream_connected(Upstream&) override;
    void upstream_data(Upstream&) override;
    void upstream_writable(Upstream&) override;
    void upstream_peer_closed(Upstream&) override;
    void upstream_closed(Upstream&) override;
    void stream_data() override;
    void stream_writable() override;
    void stream_closed() override;
  };
  // `admit`: apply the connection limits (a plaintext client; a TLS client was admitted by its layer).
  Session* open_session(net::Ipv4Address client, bool admit);

  // Request side.
  void client_data(Session& s);
  // Takes the requests waiting in the client's input one after another, in a loop: until one must wait
  // (for its target, for the rest of its head, for the client to read what is queued for it) or the
  // event's budget is spent (the rest goes on from run_deferred at the next poll).
  void serve(Session& s);
  void defer(Session& s);
  // One request from the front of the input; false when its head is not complete yet.
  bool start_request(Session& s);
  bool head_may_be_complete(Session& s);
  void dispatch(Session& s, const http::RequestHead* parsed);  // pick a target and get a connection to it
  bool send_request_head(Session& s, const http::RequestHead* parsed);
  void pump_request_body(Session& s);
  // Response side.
  void upstream_data(Session& s);
  bool take_response_head(Session& s);
  void pump_response_body(Session& s);
  void finish_exchange(Session& s);
  void pump_tunnel(Session& s);
  // The upstream connection failed before a response started. `retryable`: the request can be sent again
  // (it never reached the target, or a bodiless one went out on a stale keep-alive connection).
  void upstream_failed(Session& s, bool retryable, bool timed_out);
  bool may_resend(const Session& s) const;

  // Answers the client from here and, when close is set, closes its connection after the answer.
  void log_request(Session& s, const http::RequestHead& head, uint32_t rule_priority);
  void log_push(Session& s, uint16_t status);  // the exchange ended: the record goes to the ring
  void request_ended(Session& s);              // records the request's time (once per request)
  void respond_local(Session& s, uint16_t status, bool close, uint32_t retry_after_s = 0);
  void respond(Session& s, std::span<const uint8_t> bytes, uint16_t status, bool close);
  http::ReplyFields reply_fields(const Session& s, bool close) const;
  // Local answers made while a session is served are gathered here and written together (one buffer for
  // many small pipelined answers, not one each).
  bool deliver(Session& s, std::span<const uint8_t> bytes);
  bool flush_answers(Session& s);
  void close_client(Session& s);
  void shut_client(Session& s);  // our side of the client stream ends after what is queued (once)
  void drop_upstream(Session& s, bool reusable);
  void arm(Session& s, Deadline kind, uint64_t after_us);
  void deadline_passed(Session& s);
  void reset_client(Session& s);   // RST; client_closed follows
  void client_closed(Session& s);  // the client connection is gone
  void maybe_free(Session& s);

  // A request or response head from a connection's receive queue as contiguous bytes: the first chunk
  // itself when the head lies in it, else a copy of up to the head limit in scratch_.
  template <typename Parse>
  http::ParseResult parse_head(const tcp::ChunkQueue& queue, Parse parse);
  http::ParseResult parse_request_head(const tcp::ChunkQueue& queue, http::RequestHead& head);
  bool copy_to(PlainStream& stream, std::span<const uint8_t> bytes);
  // Body bytes between the client stream and the upstream connection as chunk references (no copy), as
  // far as the receiving side has room and, with a framer, no further than the message's end. Return the
  // bytes moved; `failed` is set on a framing error.
  uint32_t to_upstream(Session& s, http::BodyFramer* framer, bool& failed);
  uint32_t to_client(Session& s, http::BodyFramer* framer, bool& failed);

  tcp::TcpStack& stack_;
  UpstreamPools& pools_;
  HttpListenerSettings settings_;
  ObjectPool<Session> sessions_;
  std::vector<Session*> active_list_;  // walked by close_all()
  // Every session's deadline (one node each): expire() visits only the due ones, not every session, so
  // tens of thousands of idle connections cost nothing per tick. After sessions_: the wheel unlinks the
  // nodes still scheduled when it goes, so it must go first.
  TimerWheel deadlines_;
  std::vector<Session*> deferred_, deferring_;
  size_t active_ = 0;
  routing::RouteScratch route_scratch_;
  http::HeaderStore headers_;
  std::optional<net::ClientLimiter> limiter_;
  balancing::Prng prng_;          // weighted forward actions
  std::vector<uint8_t> scratch_;  // gathered heads
  std::vector<uint8_t> out_;      // heads we write
  std::vector<uint8_t> answers_;  // local answers of the session being served, not yet written
  size_t answers_len_ = 0;
  Session* answers_owner_ = nullptr;
  std::vector<char> path_;  // the normal form of the request path being handled
  uint64_t request_seq_ = 0;
  uint64_t id_salt_ = 0;
  bool draining_ = false;
  const uint64_t& now_us_;
  HttpProxyCounters counters_;
  std::vector<RuleCounters> rule_counters_;
};

}  // namespace tollgate::proxy
