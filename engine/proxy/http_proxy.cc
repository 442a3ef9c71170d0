#include "engine/proxy/http_proxy.h"

#include <algorithm>
#include <cstring>
#include <random>
#include <variant>

#include "engine/balancing/pool_choice.h"
#include "engine/http/forward_writer.h"
#include "engine/http/local_responses.h"
#include "engine/http/path_normalize.h"
#include "engine/http/response_parser.h"
#include "engine/proxy/body_framing.h"
#include "engine/proxy/send_copy.h"
#include "engine/proxy/splice.h"
#include "engine/routing/redirect.h"

namespace tollgate::proxy {

namespace {

constexpr size_t kScratchBytes = 64 * 1024;
// Pipelined requests one event answers before the rest wait for the next poll: the other connections of
// the core get their turn, whatever one client queued.
constexpr uint32_t kRequestsPerEvent = 32;
// Room the client's stream must have before another request is taken: below it the client is not reading
// what it asked for, and its requests wait until it does.
constexpr uint32_t kAnswerRoom = 4096;
// Local answers gathered before they are written (several small answers share one buffer).
constexpr size_t kAnswerBatchBytes = 8192;
// The deadline wheel: expire() runs every 10 ms; 4,096 slots are a 41 s revolution, so most deadlines
// (idle timeouts of a minute or so) are visited once or twice before they are due.
constexpr uint64_t kDeadlineTickUs = 10'000;
constexpr uint32_t kDeadlineSlots = 4096;
// What a listener answers CONNECT with: it is a load balancer, not a forward proxy.
constexpr std::string_view kAllowedMethods = "GET, HEAD, POST, PUT, DELETE, OPTIONS, PATCH";

LocalStatus local_status(uint16_t status) {
  switch (status) {
    case 400:
      return LocalStatus::k400;
    case 405:
      return LocalStatus::k405;
    case 429:
      return LocalStatus::k429;
    case 408:
      return LocalStatus::k408;
    case 413:
      return LocalStatus::k413;
    case 431:
      return LocalStatus::k431;
    case 501:
      return LocalStatus::k501;
    case 502:
      return LocalStatus::k502;
    case 503:
      return LocalStatus::k503;
    case 504:
      return LocalStatus::k504;
    case 505:
      return LocalStatus::k505;
    default:
      return LocalStatus::kOther;
  }
}

// Request ids: unique per core and run without coordination (core, a per-process salt, a sequence).
size_t format_request_id(uint32_t core, uint64_t salt, uint64_t seq, char* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  uint64_t words[2] = {salt ^ (uint64_t{core} << 56), seq};
  size_t n = 0;
  for (uint64_t w : words) {
    for (int shift = 60; shift >= 0; shift -= 4) out[n++] = kHex[(w >> shift) & 0xf];
  }
  return n;  // 32
}

// Request ids must not repeat across listeners, cores or restarts: each proxy draws its own salt once.
uint64_t random_salt() {
  std::random_device device;
  return (uint64_t{device()} << 32) ^ device();
}

std::string_view header_of(const void* ctx, std::string_view name) {
  return static_cast<const http::RequestHead*>(ctx)->header(name);
}

}  // namespace

HttpProxy::HttpProxy(tcp::TcpStack& stack, UpstreamPools& pools, HttpListenerSettings settings,
                     routing::RouteScratch route_scratch, uint32_t max_sessions, const uint64_t& now_us)
    : stack_(stack),
      pools_(pools),
      settings_(std::move(settings)),
      sessions_(max_sessions),
      deadlines_(kDeadlineTickUs, kDeadlineSlots, now_us),
      route_scratch_(std::move(route_scratch)),
      prng_((settings_.seed ? settings_.seed : now_us) ^ settings_.core),
      scratch_(kScratchBytes),
      out_(kScratchBytes),
      answers_(kAnswerBatchBytes),
      path_(kScratchBytes),
      id_salt_(random_salt()),
      now_us_(now_us),
      rule_counters_(settings_.routes ? settings_.routes->rule_count() : 0) {
  if (settings_.client_limits.enabled()) limiter_.emplace(settings_.client_limits, random_salt());
  deferred_.reserve(std::min<size_t>(max_sessions, 4096));
  deferring_.reserve(deferred_.capacity());
}

HttpProxy::~HttpProxy() = default;

tcp::StreamHandler* HttpProxy::on_accept(tcp::Connection& client) {
  Session* s = open_session(net::Ipv4Address{client.tuple.remote_ip}, /*admit=*/true);
  if (!s) return nullptr;  // the stack resets the client
  s->tcp.attach(stack_, client, now_us_);
  s->tcp.events = s;
  s->down = &s->tcp;
  return &s->tcp;
}

StreamEvents* HttpProxy::attach(PlainStream& down) {
  Session* s = open_session(down.peer, /*admit=*/false);
  if (!s) return nullptr;
  s->down = &down;
  return s;
}

HttpProxy::Session* HttpProxy::open_session(net::Ipv4Address client, bool admit) {
  bool counted = false;
  if (limiter_ && admit) {
    const net::ClientLimiter::Admission a = limiter_->admit_connection(client, now_us_);
    if (net::ClientLimiter::refused(a))
      return nullptr;  // reset by the layer below (TCP, or TLS after its handshake)
    counted = a == net::ClientLimiter::Admission::kTracked;
  }
  Session* s = sessions_.acquire([this](Session& made) {
    made.proxy = this;
    made.timer.owner = &made;
  });
  if (!s) {
    counters_.no_session.add();
    if (counted) limiter_->connection_closed(client);
    return nullptr;
  }
  s->in_use = true;
  s->client = client;
  s->counted_client = counted;
  s->client_shut = false;
  s->upstream = nullptr;
  s->stage = Stage::kHead;
  s->scanned = 0;
  s->scan_state = 0;
  s->active_index = active_list_.size();
  active_list_.push_back(s);
  ++active_;
  counters_.connections.add();
  arm(*s, Deadline::kIdle, settings_.idle_timeout_us);
  return s;
}

void HttpProxy::arm(Session& s, Deadline kind, uint64_t after_us) {
  s.deadline = kind;
  s.deadline_us = now_us_ + after_us;
  // Deadlines move on with every byte: the wheel is touched only when one comes nearer. A timer that
  // fires for a deadline moved further meanwhile is rearmed then (expire()).
  if (!s.timer.node.scheduled() || s.timer.node.expires > s.deadline_us)
    deadlines_.schedule(s.timer.node, s.deadline_us);
}

template <typename Parse>
http::ParseResult HttpProxy::parse_head(const tcp::ChunkQueue& queue, Parse parse) {
  const tcp::Chunk* first = queue.front();
  if (!first) return {};
  const http::ParseResult r =
      parse(stack_.buffers().view(first->packet).subspan(first->offset, first->length));
  if (r.status != http::ParseStatus::kIncomplete || first->length == queue.bytes()) return r;
  // The head spans chunks: parse a copy of at most the head limit (and one byte to tell "over it").
  const size_t n = std::min<size_t>({queue.bytes(), settings_.limits.max_head_bytes + 1, scratch_.size()});
  queue.copy_out(stack_.buffers(), 0, std::span<uint8_t>(scratch_).first(n));
  return parse(std::span<const uint8_t>(scratch_.data(), n));
}

http::ParseResult HttpProxy::parse_request_head(const tcp::ChunkQueue& queue, http::RequestHead& head) {
  const http::ParseResult r = parse_head(queue, [&](std::span<const uint8_t> bytes) {
    return http::parse_request(bytes, settings_.limits, headers_, head);
  });
  if (r.status != http::ParseStatus::kComplete || !settings_.normalize_path) return r;
  // Rules match the path's normal form, and the target gets it (forward_writer.h).
  const http::ParseError e = http::normalize_request_path(head, path_);
  return e == http::ParseError::kNone ? r : http::ParseResult{http::ParseStatus::kError, e};
}

// Heads and local answers: copies in packet-sized buffers.
bool HttpProxy::copy_to(PlainStream& stream, std::span<const uint8_t> bytes) {
  return copy_in_pieces(stack_.buffers(), bytes, [&](tcp::PacketRef p, uint32_t n) {
           return stream.write(p, 0, n);
         }) == CopyResult::kOk;
}

uint32_t HttpProxy::to_upstream(Session& s, http::BodyFramer* framer, bool& failed) {
  const MoveResult r = stream_to_stream(stack_.buffers(), *s.down, *s.upstream->stream, BodyFraming(framer));
  failed = r.failed;
  return r.moved;
}

uint32_t HttpProxy::to_client(Session& s, http::BodyFramer* framer, bool& failed) {
  const MoveResult r = stream_to_stream(stack_.buffers(), *s.upstream->stream, *s.down, BodyFraming(framer));
  failed = r.failed;
  return r.moved;
}

// ---- Request side ----

void HttpProxy::client_data(Session& s) {
  if (!s.down) return;
  switch (s.stage) {
    case Stage::kHead:
      return serve(s);
    case Stage::kForwarding:
      if (!s.request_done) pump_request_body(s);
      return;
    case Stage::kTunnel:
      return pump_tunnel(s);
    case Stage::kConnecting:
      return;  // the request waits in the receive queue until its connection is up
    case Stage::kClosing:
      // Nothing more is read: the answer is out and the connection closes after it.
      if (s.down->input().bytes()) s.down->consume(s.down->input().bytes());
      return;
  }
}

void HttpProxy::serve(Session& s) {
  if (s.serving) return;  // already looping further up this call chain: it takes the next request
  s.serving = true;
  // Another session's loop may be running further up (an event it caused): its gathered answers stay its
  // own, and this one writes directly.
  const bool gathering = answers_owner_ == nullptr;
  if (gathering) answers_owner_ = &s;
  for (uint32_t taken = 0; s.down && s.stage == Stage::kHead;) {
    PlainStream& d = *s.down;
    if (d.input().bytes() == 0) {
      if (d.input_ended()) close_client(s);  // a keep-alive client that is done
      break;
    }
    if (taken == kRequestsPerEvent) {
      counters_.pipeline_deferred.add();
      defer(s);
      break;
    }
    if (d.write_space() < answers_len_ + kAnswerRoom) {
      // The client does not read its answers: its next requests wait for room (stream_writable).
      counters_.pipeline_backpressure.add();
      d.want_writable();
      break;
    }
    if (!start_request(s)) break;
    ++taken;
  }
  if (gathering) {
    if (s.down && s.stage != Stage::kClosing && !flush_answers(s)) reset_client(s);
    answers_owner_ = nullptr;
    answers_len_ = 0;
  }
  s.serving = false;
}

void HttpProxy::defer(Session& s) {
  if (s.deferred) return;
  s.deferred = true;
  deferred_.push_back(&s);
}

void HttpProxy::run_deferred() {
  if (deferred_.empty()) return;
  // Serving one may defer it again: that goes to the next poll's list, not this one.
  deferring_.swap(deferred_);
  for (Session* s : deferring_) {
    if (!s->deferred) continue;  // freed (and perhaps reused) since
    s->deferred = false;
    if (s->in_use && s->stage == Stage::kHead) serve(*s);
  }
  deferring_.clear();
}

namespace {

// Bytes of CRLF pairs at the front of `queue` (a lone CR at its end waits for its LF).
uint32_t leading_empty_lines(const tcp::ChunkQueue& queue, const tcp::BufferOps& ops) {
  uint32_t n = 0;
  for (const tcp::Chunk* k = queue.front(); k; k = k->next) {
    for (const uint8_t c : ops.view(k->packet).subspan(k->offset, k->length)) {
      if (c != ((n % 2 == 0) ? '\r' : '\n')) return n - n % 2;
      ++n;
    }
  }
  return n - n % 2;
}

}  // namespace

// A head ends at an empty line: LF, optional CR, LF. The search goes on from where the last one stopped,
// so a head that trickles in is scanned once in all; only a head that may be complete is parsed.
bool HttpProxy::head_may_be_complete(Session& s) {
  const tcp::ChunkQueue& q = s.down->input();
  uint32_t skip = s.scanned;
  uint8_t state = s.scan_state;  // 0: in a line; 1: after LF; 2: after LF CR
  for (const tcp::Chunk* k = q.front(); k; k = k->next) {
    if (skip >= k->length) {
      skip -= k->length;
      continue;
    }
    const std::span<const uint8_t> bytes =
        stack_.buffers().view(k->packet).subspan(k->offset + skip, k->length - skip);
    skip = 0;
    for (const uint8_t c : bytes) {
      ++s.scanned;
      if (c == '\n') {
        if (state != 0) {
          s.scan_state = 0;
          return true;
        }
        state = 1;
      } else {
        state = (c == '\r' && state == 1) ? 2 : 0;
      }
    }
  }
  s.scan_state = state;
  return false;
}

bool HttpProxy::start_request(Session& s) {
  PlainStream& d = *s.down;
  // RFC 9112 §2.2: empty lines before a request line are ignored. Dropped here, they cannot make the scan
  // below find an "end" that the parser does not take as one.
  if (s.scanned == 0) {
    if (const uint32_t empty = leading_empty_lines(d.input(), stack_.buffers())) d.consume(empty);
  }
  http::RequestHead head;
  http::ParseResult r;
  bool parsed = false;
  if (s.scanned == 0) {
    // A fresh head: most arrive whole, and the parser finds their end itself. Only one that did not is
    // scanned from here on, so the common request is read once, not scanned and then parsed.
    r = parse_request_head(d.input(), head);
    parsed = r.status != http::ParseStatus::kIncomplete;
  }
  while (!parsed && head_may_be_complete(s)) {
    r = parse_request_head(d.input(), head);
    parsed = r.status != http::ParseStatus::kIncomplete;
  }
  if (!parsed) {
    if (d.input().bytes() > settings_.limits.max_head_bytes) {
      respond_local(s, 431, true);
    } else if (d.input_ended()) {
      respond_local(s, 400, true);
    } else {
      if (s.deadline != Deadline::kHeader) arm(s, Deadline::kHeader, settings_.header_timeout_us);
      return false;
    }
    return true;
  }
  s.scanned = 0;
  s.scan_state = 0;
  if (r.status == http::ParseStatus::kError) {
    respond_local(s, http::status_for(r.error), true);
    return true;
  }

  counters_.requests.add();
  if (head.path_normalized) counters_.paths_normalized.add();
  s.method = head.method;
  s.keep_alive = head.keep_alive;
  s.http10 = head.version_minor == 0;
  s.request_done = head.body == http::BodyKind::kNone;
  s.response_started = s.response_done = false;
  s.websocket = head.upgrade_websocket;
  s.retried = false;
  s.request_id = ++request_seq_;
  s.request_body = http::BodyFramer::for_request(head, settings_.limits);
  s.started_us = now_us_;
  s.sent_us = s.answered_us = 0;
  s.timing = true;

  // A request answered here leaves its body unread: the connection closes after the answer rather than
  // parse a body nobody wants.
  const bool close_after = !head.keep_alive || head.body != http::BodyKind::kNone || draining_;
  if (limiter_) {
    if (const uint32_t retry_after = limiter_->limit_request(s.client, now_us_)) {
      if (settings_.access_log) log_request(s, head, 0);
      d.consume(static_cast<uint32_t>(head.head_bytes));
      respond_local(s, 429, close_after, retry_after);
      return true;
    }
  }
  if (head.method == http::Method::kConnect) {
    // Not a forward proxy: a tunnel to wherever the client names would bypass every rule. What follows
    // the head is tunnel content, so the connection closes after the answer.
    if (settings_.access_log) log_request(s, head, 0);
    respond_local(s, 405, true);
    return true;
  }

  routing::RequestView view;
  view.method = head.method_text;
  view.host = head.host;
  view.path = head.path;
  view.query = head.query;
  view.protocol = settings_.https ? "https" : "http";
  view.port = settings_.port;
  view.header = header_of;
  view.header_ctx = &head;
  const routing::RouteTable::Match m = settings_.routes->match(view, route_scratch_);
  const routing::Action& action = *m.action;
  RuleCounters* rule = m.rule >= 0 ? &rule_counters_[static_cast<size_t>(m.rule)] : nullptr;
  if (rule) rule->matches.add();
  if (settings_.access_log) log_request(s, head, m.priority);
  if (const auto* fixed = std::get_if<routing::FixedResponseAction>(&action.what)) {
    counters_.fixed_responses.add();
    if (rule) rule->fixed_responses.add();
    const size_t n = http::write_fixed_response(fixed->status, fixed->content_type, fixed->body, out_,
                                                reply_fields(s, close_after));
    d.consume(static_cast<uint32_t>(head.head_bytes));
    respond(s, {out_.data(), n}, fixed->status, close_after);
    return true;
  }
  if (const auto* redirect = std::get_if<routing::RedirectAction>(&action.what)) {
    counters_.redirects.add();
    if (rule) rule->redirects.add();
    char location[4096];
    const size_t len = routing::render_redirect(*redirect, view, location);
    if (len == 0) {
      respond_local(s, 500, true);
      return true;
    }
    const size_t n =
        http::write_redirect(redirect->status, {location, len}, out_, reply_fields(s, close_after));
    d.consume(static_cast<uint32_t>(head.head_bytes));
    respond(s, {out_.data(), n}, redirect->status, close_after);
    return true;
  }
  const auto& forward = std::get<routing::ForwardAction>(action.what);
  if (rule) rule->forwarded.add();
  const std::optional<uint32_t> pool = balancing::choose_pool(forward, prng_);
  if (!pool) {
    respond_local(s, 503, close_after);
    return true;
  }
  s.pool = *pool;
  s.target = -1;
  if (s.logging) s.log->pool = static_cast<int32_t>(*pool);
  dispatch(s, &head);
  return true;
}

void HttpProxy::dispatch(Session& s, const http::RequestHead* parsed) {
  balancing::TargetPool& targets = pools_.targets(s.pool);
  // A retry prefers another target, but a pool of one retries the same.
  int target = targets.pick(s.target);
  if (target < 0 && s.target >= 0) target = targets.pick();
  s.target = target;
  if (s.target < 0) {
    pools_.pool_counters(s.pool).no_target.add();
    return respond_local(s, 503, true);
  }
  Upstream* u = pools_.acquire(s.pool, s.target, &s);
  if (!u) return respond_local(s, 503, true);
  targets.begin(s.target);
  s.upstream = u;
  if (!u->connected) {
    s.stage = Stage::kConnecting;
    arm(s, Deadline::kConnect, pools_.settings(s.pool).connect_timeout_us);
    return;
  }
  s.stage = Stage::kForwarding;
  if (!send_request_head(s, parsed)) return;
  pump_request_body(s);
}

// The head stays in the receive queue until a connection takes it, so a failed connect can be retried on
// another target: `parsed` is the head start_request just parsed when the connection was ready at once;
// after a connect or a retry (nullptr) it is parsed again from the queue.
bool HttpProxy::send_request_head(Session& s, const http::RequestHead* parsed) {
  PlainStream& d = *s.down;
  http::RequestHead reparsed;
  if (!parsed) {
    if (parse_request_head(d.input(), reparsed).status != http::ParseStatus::kComplete) {
      respond_local(s, 500, true);
      return false;
    }
    parsed = &reparsed;
  }
  const http::RequestHead& head = *parsed;
  char id[32];
  const size_t id_len = format_request_id(settings_.core, id_salt_, s.request_id, id);
  char client_ip[16];
  const size_t ip_len = d.peer.format(client_ip);
  http::ForwardInfo info;
  info.client_ip = {client_ip, ip_len};
  info.tls = settings_.https;
  info.listener_port = settings_.port;
  info.request_id = {id, id_len};
  info.xff = settings_.xff;
  const size_t n = http::write_forwarded_request(head, info, out_);
  if (n == 0) {
    respond_local(s, 431, true);
    return false;
  }
  s.reused = s.upstream->requests > 0;
  s.head_kept = 0;
  if (head.body == http::BodyKind::kNone) {
    s.head_kept = static_cast<uint32_t>(head.head_bytes);
  } else {
    d.consume(static_cast<uint32_t>(head.head_bytes));
  }
  ++s.upstream->requests;
  counters_.forwarded.add();
  TargetCounters& target = pools_.target_counters(s.pool, s.target);
  target.requests.add();
  target.bytes_sent.add(n);
  s.sent_us = now_us_;
  if (!copy_to(*s.upstream->stream, {out_.data(), n})) {
    respond_local(s, 502, true);
    return false;
  }
  // The response timeout runs from the request's last byte: an upload that keeps moving is not late.
  if (s.request_done) {
    arm(s, Deadline::kResponse, pools_.settings(s.pool).response_timeout_us);
  } else {
    arm(s, Deadline::kBody, settings_.idle_timeout_us);
  }
  if (s.logging) {
    const balancing::TargetState& t = pools_.targets(s.pool).target(s.target);
    s.log->target_ip = t.address.value;
    s.log->target_port = t.port;
    s.log->request_id.assign({id, id_len});
    s.log->bytes_in = head.head_bytes;
  }
  return true;
}

void HttpProxy::pump_request_body(Session& s) {
  if (s.request_done || !s.upstream || !s.upstream->stream || !s.down) return;
  bool failed = false;
  const uint32_t moved = to_upstream(s, &s.request_body, failed);
  counters_.bytes_from_clients.add(moved);
  pools_.target_counters(s.pool, s.target).bytes_sent.add(moved);
  if (s.logging) s.log->bytes_in += moved;
  if (failed) {
    // A malformed body is the client's fault, but part of it is already with the target: neither
    // connection can carry another request.
    drop_upstream(s, false);
    return respond_local(s, 400, true);
  }
  if (s.request_body.done()) {
    s.request_done = true;
    if (s.response_done) return finish_exchange(s);
    if (!s.response_started) arm(s, Deadline::kResponse, pools_.settings(s.pool).response_timeout_us);
    return;
  }
  if (moved > 0)
    arm(s, s.response_started ? Deadline::kTransfer : Deadline::kBody, settings_.idle_timeout_us);
  if (s.down->input_ended() && s.down->input().bytes() == 0) {
    drop_upstream(s, false);  // the client went away mid-body
    close_client(s);
  }
}

// ---- Response side ----

void HttpProxy::upstream_data(Session& s) {
  if (!s.down) return;
  if (s.stage == Stage::kTunnel) return pump_tunnel(s);
  if (s.stage != Stage::kForwarding) return;
  while (!s.response_started) {
    if (!take_response_head(s)) return;
  }
  pump_response_body(s);
}

// Parses the response head waiting in the upstream queue and sends ours to the client. False when the
// head is incomplete or the exchange ended. Interim (1xx) responses are passed on and the loop goes on.
bool HttpProxy::take_response_head(Session& s) {
  PlainStream& u = *s.upstream->stream;
  if (u.input().bytes() == 0) return false;
  http::ResponseHead head;
  const http::ParseResult r = parse_head(u.input(), [&](std::span<const uint8_t> bytes) {
    return http::parse_response(bytes, settings_.response_limits, headers_, s.method, head);
  });
  if (r.status == http::ParseStatus::kIncomplete) {
    if (u.input().bytes() > settings_.response_limits.max_head_bytes) {
      drop_upstream(s, false);
      respond_local(s, 502, true);
    }
    return false;
  }
  if (r.status == http::ParseStatus::kError) {
    drop_upstream(s, false);
    respond_local(s, 502, true);
    return false;
  }
  const bool interim = head.status >= 100 && head.status < 200 && head.status != 101;
  if (interim && s.http10) {
    // HTTP/1.0 has no interim responses (RFC 9110 §15.2): a 1.0 client would take it as the answer.
    u.consume(static_cast<uint32_t>(head.head_bytes));
    return true;
  }
  const bool upgrade = head.status == 101 && s.websocket;
  if (head.status == 101 && !upgrade) {
    drop_upstream(s, false);  // a switch nobody asked for
    respond_local(s, 502, true);
    return false;
  }
  // The client's connection closes after this response when either side wants it, or when the target
  // answered before taking the whole request body (what is left of it would be read as a request).
  const bool close =
      !interim && !upgrade &&
      (!s.keep_alive || head.body == http::BodyKind::kUntilClose || !s.request_done || draining_);
  http::ResponseInfo info;
  info.close = close;
  info.client_http10 = s.http10;
  info.hsts = settings_.https ? std::string_view(settings_.hsts) : std::string_view();
  const size_t n = http::write_forwarded_response(head, info, out_);
  if (n == 0) {
    drop_upstream(s, false);
    respond_local(s, 502, true);
    return false;
  }
  u.consume(static_cast<uint32_t>(head.head_bytes));
  if (s.head_kept) {
    s.down->consume(s.head_kept);
    s.head_kept = 0;
  }
  if (!copy_to(*s.down, {out_.data(), n})) {
    drop_upstream(s, false);
    reset_client(s);
    return false;
  }
  counters_.responses_by_class[std::min<size_t>(head.status / 100, 5)].add();
  TargetCounters& target = pools_.target_counters(s.pool, s.target);
  target.responses_by_class[std::min<size_t>(head.status / 100, 5)].add();
  target.bytes_received.add(head.head_bytes);
  if (!interim) {
    s.answered_us = now_us_;
    target.response_time.record(now_us_ - s.sent_us);
  }
  if (s.logging) {
    s.log->bytes_out += n;
    if (!interim) s.log->target_status = head.status;
  }
  if (interim) return true;
  s.response_started = true;
  // From here the response (or the tunnel) runs as long as bytes move.
  arm(s, Deadline::kTransfer, settings_.idle_timeout_us);
  if (close) s.keep_alive = false;
  if (upgrade) {
    counters_.tunnels.add();
    // The request ends with the 101: the tunnel's bytes are not a request.
    request_ended(s);
    if (s.logging) log_push(s, 101);
    s.stage = Stage::kTunnel;
    pump_tunnel(s);
    return false;
  }
  s.response_kind = head.body;
  s.upstream_keep_alive = head.keep_alive;
  s.response_body = http::BodyFramer::for_response(head, settings_.response_limits);
  if (head.body == http::BodyKind::kNone) {
    s.response_done = true;
    finish_exchange(s);
    return false;
  }
  return true;
}

void HttpProxy::pump_response_body(Session& s) {
  if (!s.upstream || !s.upstream->stream || !s.down || s.response_done) return;
  const PlainStream& u = *s.upstream->stream;
  bool failed = false;
  const bool until_close = s.response_kind == http::BodyKind::kUntilClose;
  const uint32_t moved = to_client(s, until_close ? nullptr : &s.response_body, failed);
  counters_.bytes_to_clients.add(moved);
  pools_.target_counters(s.pool, s.target).bytes_received.add(moved);
  if (s.logging) s.log->bytes_out += moved;
  if (moved > 0) arm(s, Deadline::kTransfer, settings_.idle_timeout_us);
  if (failed) {
    // Part of the response is with the client: all that can be said now is a reset.
    drop_upstream(s, false);
    return reset_client(s);
  }
  const bool ended = until_close ? (u.input_ended() && u.input().bytes() == 0) : s.response_body.done();
  if (!ended) return;
  s.response_done = true;
  finish_exchange(s);
}

// Both the request and its response are complete (or the response is, and the client closes): the
// upstream connection returns to its pool and the next request, perhaps already waiting, starts.
void HttpProxy::finish_exchange(Session& s) {
  if (!s.response_done) return;
  request_ended(s);
  if (s.logging) log_push(s, s.log->target_status);
  if (!s.request_done) s.keep_alive = false;
  // The target's connection serves another request only if it said so (Connection, version) and the
  // exchange ended cleanly on both sides.
  const bool reusable =
      s.request_done && s.upstream_keep_alive && s.response_kind != http::BodyKind::kUntilClose;
  drop_upstream(s, reusable);
  if (!s.keep_alive) return close_client(s);
  s.stage = Stage::kHead;
  arm(s, Deadline::kIdle, settings_.idle_timeout_us);
  serve(s);  // the next request, perhaps already waiting; or the end of a client that is done
}

void HttpProxy::pump_tunnel(Session& s) {
  if (!s.upstream || !s.upstream->stream || !s.down) return;
  PlainStream& d = *s.down;
  Upstream& u = *s.upstream;
  bool failed = false;
  const uint32_t up = to_upstream(s, nullptr, failed);
  const uint32_t back = to_client(s, nullptr, failed);
  counters_.bytes_from_clients.add(up);
  counters_.bytes_to_clients.add(back);
  if (up + back > 0) arm(s, Deadline::kTransfer, settings_.idle_timeout_us);
  // Half-closes travel once everything before them has moved.
  if (d.input_ended() && d.input().bytes() == 0 && !u.shut) {
    u.shut = true;
    u.stream->shutdown();
  }
  if (s.upstream && s.upstream->stream && s.upstream->stream->input_ended() &&
      s.upstream->stream->input().bytes() == 0) {
    shut_client(s);
  }
}

// A failed connect is retried once on another target, as is a bodiless request whose kept-alive
// connection the target closed before answering; anything else is a 502 (or 504 after a timeout).
void HttpProxy::upstream_failed(Session& s, bool retryable, bool timed_out) {
  drop_upstream(s, false);
  if (!s.down) return;
  if (retryable && !s.retried) {
    s.retried = true;
    s.head_kept = 0;
    counters_.retries.add();
    pools_.pool_counters(s.pool).retries.add();
    return dispatch(s, nullptr);
  }
  respond_local(s, timed_out ? 504 : 502, true);
}

// A request whose kept-alive connection the target closed before answering may go again on a fresh one
// only when it had no body and repeating it is harmless (RFC 9110 §9.2.2, RFC 9112 §9.3.1): a POST the
// target may have acted on is answered 502, never sent twice.
bool HttpProxy::may_resend(const Session& s) const {
  const bool safe = s.method == http::Method::kGet || s.method == http::Method::kHead ||
                    s.method == http::Method::kOptions || s.method == http::Method::kTrace;
  return s.reused && s.head_kept > 0 && safe;
}

void HttpProxy::drop_upstream(Session& s, bool reusable) {
  if (!s.upstream) return;
  pools_.targets(s.pool).end(s.target);
  pools_.release(s.upstream, reusable);
  s.upstream = nullptr;
}

// ---- Access log ----

void HttpProxy::log_request(Session& s, const http::RequestHead& head, uint32_t rule_priority) {
  if (!s.log) s.log = std::make_unique<AccessRecord>();
  AccessRecord& r = *s.log;
  r = AccessRecord{};
  s.logging = true;
  r.time_unix_us = static_cast<uint64_t>(static_cast<int64_t>(now_us_) + settings_.unix_offset_us);
  r.client_ip = s.down->peer.value;
  r.client_port = s.down->peer_port;
  r.listener = settings_.listener_index;
  r.config_generation = static_cast<uint32_t>(settings_.config_generation);
  r.rule_priority = rule_priority;
  r.bytes_in = head.head_bytes;
  if (const StreamTls* tls = s.down->tls) {
    r.tls_version = tls->version;
    r.cipher = tls->cipher;
    r.sni.assign({tls->sni, tls->sni_length});
  }
  if (!head.method_text.empty()) {
    // "METHOD target HTTP/1.x", as received, cut to the field's size.
    char line[decltype(r.request_line)::kCapacity];
    size_t n = 0;
    for (std::string_view part : {head.method_text, std::string_view(" "), head.target,
                                  std::string_view(head.version_minor == 0 ? " HTTP/1.0" : " HTTP/1.1")}) {
      const size_t take = std::min(part.size(), sizeof line - n);
      if (take > 0) std::memcpy(line + n, part.data(), take);
      n += take;
    }
    r.request_line.assign({line, n});
    r.user_agent.assign(head.header("user-agent"));
  }
}

void HttpProxy::log_push(Session& s, uint16_t status) {
  AccessRecord& r = *s.log;
  s.logging = false;
  r.status = status;
  const auto span = [](uint64_t from, uint64_t to) {
    return static_cast<uint32_t>(std::min<uint64_t>(to - from, kNotApplicable - 1));
  };
  if (s.sent_us) r.request_processing_us = span(s.started_us, s.sent_us);
  if (s.sent_us && s.answered_us && r.target_status) r.target_processing_us = span(s.sent_us, s.answered_us);
  if (s.answered_us) r.response_processing_us = span(s.answered_us, now_us_);
  if (!s.sent_us && s.answered_us) r.request_processing_us = span(s.started_us, s.answered_us);
  settings_.access_log->push(r);
}

void HttpProxy::request_ended(Session& s) {
  if (!s.timing) return;
  s.timing = false;
  counters_.request_time.record(now_us_ - s.started_us);
}

// ---- Answers from here ----

http::ReplyFields HttpProxy::reply_fields(const Session& s, bool close) const {
  http::ReplyFields f;
  f.close = close;
  f.keep_alive_http10 = s.http10 && !close;
  f.head = s.method == http::Method::kHead;
  if (settings_.https) f.hsts = settings_.hsts;
  return f;
}

void HttpProxy::respond_local(Session& s, uint16_t status, bool close, uint32_t retry_after_s) {
  close = close || draining_;
  counters_.local_errors[static_cast<size_t>(local_status(status))].add();
  drop_upstream(s, false);
  http::ReplyFields fields = reply_fields(s, close);
  if (status == 405) fields.allow = kAllowedMethods;
  fields.retry_after_s = retry_after_s;
  const size_t n = http::write_error_response(status, out_, fields);
  respond(s, {out_.data(), n}, status, close);
}

void HttpProxy::respond(Session& s, std::span<const uint8_t> bytes, uint16_t status, bool close) {
  if (!s.down) return;
  counters_.responses_by_class[std::min<size_t>(status / 100, 5)].add();
  request_ended(s);
  if (settings_.access_log) {
    if (!s.logging) {  // refused before a request was read
      s.started_us = now_us_;
      s.sent_us = 0;
      log_request(s, http::RequestHead{}, 0);
    }
    s.log->bytes_out += bytes.size();
    s.answered_us = now_us_;
    log_push(s, status);
  }
  if (!deliver(s, bytes)) return reset_client(s);
  if (close) return close_client(s);
  s.stage = Stage::kHead;
  arm(s, Deadline::kIdle, settings_.idle_timeout_us);
  // Requests queued behind this one are taken by the loop that is serving this session, or, when the
  // answer came from another event (a target that failed), at the next poll.
  if (!s.serving && s.down->input().bytes() > 0) defer(s);
}

bool HttpProxy::deliver(Session& s, std::span<const uint8_t> bytes) {
  if (answers_owner_ != &s) return copy_to(*s.down, bytes);
  if (answers_len_ + bytes.size() > answers_.size()) {
    if (!flush_answers(s)) return false;
    if (bytes.size() > answers_.size()) return copy_to(*s.down, bytes);
  }
  std::memcpy(answers_.data() + answers_len_, bytes.data(), bytes.size());
  answers_len_ += bytes.size();
  return true;
}

bool HttpProxy::flush_answers(Session& s) {
  if (answers_owner_ != &s || answers_len_ == 0 || !s.down) return true;
  const size_t n = answers_len_;
  answers_len_ = 0;
  return copy_to(*s.down, {answers_.data(), n});
}

void HttpProxy::close_client(Session& s) {
  s.stage = Stage::kClosing;
  if (!s.down) return;
  if (s.down->input().bytes()) s.down->consume(s.down->input().bytes());
  if (!flush_answers(s)) return reset_client(s);
  // The client gets idle_timeout_us to take the last answer; one that never reads is reset then.
  arm(s, Deadline::kLinger, settings_.idle_timeout_us);
  shut_client(s);
}

void HttpProxy::shut_client(Session& s) {
  if (s.client_shut || !s.down) return;
  s.client_shut = true;
  s.down->shutdown();
}

// ---- Events ----

void HttpProxy::Session::stream_data() {
  proxy->client_data(*this);  // input, or its end: a request in flight finishes, an idle connection closes
}

void HttpProxy::Session::stream_writable() {
  if (stage == Stage::kHead) return proxy->serve(*this);  // room for the answers of waiting requests
  if (stage == Stage::kForwarding) return proxy->pump_response_body(*this);
  if (stage == Stage::kTunnel) return proxy->pump_tunnel(*this);
}

void HttpProxy::Session::stream_closed() {
  proxy->client_closed(*this);
}

void HttpProxy::Session::upstream_connected(Upstream&) {
  if (stage != Stage::kConnecting || !down) return;
  stage = Stage::kForwarding;
  if (!proxy->send_request_head(*this, nullptr)) return;
  proxy->pump_request_body(*this);
}

void HttpProxy::Session::upstream_data(Upstream&) {
  proxy->upstream_data(*this);
}

void HttpProxy::Session::upstream_writable(Upstream&) {
  if (stage == Stage::kForwarding) return proxy->pump_request_body(*this);
  if (stage == Stage::kTunnel) return proxy->pump_tunnel(*this);
}

void HttpProxy::Session::upstream_peer_closed(Upstream& u) {
  HttpProxy& p = *proxy;
  if (stage == Stage::kTunnel) return p.pump_tunnel(*this);
  if (stage != Stage::kForwarding) return;
  if (response_started) return p.pump_response_body(*this);  // until-close bodies end here
  // FIN before a complete response head: what did arrive is not a response.
  if (u.stream && u.stream->input().bytes() > 0) p.upstream_data(*this);
  if (!response_started && upstream == &u) p.upstream_failed(*this, p.may_resend(*this), false);
}

void HttpProxy::Session::upstream_closed(Upstream& u) {
  HttpProxy& p = *proxy;
  if (upstream != &u) return;
  if (stage == Stage::kTunnel) {
    p.drop_upstream(*this, false);
    p.shut_client(*this);
    return;
  }
  if (stage == Stage::kConnecting) return p.upstream_failed(*this, true, false);
  if (!response_started) return p.upstream_failed(*this, p.may_resend(*this), false);
  if (response_kind == http::BodyKind::kUntilClose && !response_done) {
    // Everything that arrived has been passed on; a close after FIN ends the body.
    response_done = true;
    return p.finish_exchange(*this);
  }
  // Mid-body: the client has part of a response and can only be reset.
  p.drop_upstream(*this, false);
  p.reset_client(*this);
}

void HttpProxy::reset_client(Session& s) {
  if (answers_owner_ == &s) answers_len_ = 0;
  drop_upstream(s, false);
  if (s.down) s.down->abort();  // → stream_closed → client_closed
}

void HttpProxy::client_closed(Session& s) {
  if (s.logging) log_push(s, 0);  // the client went away mid-exchange: no status sent
  s.down = nullptr;
  drop_upstream(s, false);
  maybe_free(s);
}

void HttpProxy::maybe_free(Session& s) {
  if (!s.in_use || s.down) return;
  s.in_use = false;
  s.deferred = false;
  if (s.counted_client) limiter_->connection_closed(s.client);
  s.counted_client = false;
  s.deadline = Deadline::kNone;
  deadlines_.cancel(s.timer.node);
  Session* last = active_list_.back();
  active_list_[s.active_index] = last;
  last->active_index = s.active_index;
  active_list_.pop_back();
  --active_;
  sessions_.release(s);
}

void HttpProxy::close_all(bool hard) {
  // From the back: a session freed here is replaced in its slot by the last one, already handled.
  for (size_t i = active_list_.size(); i-- > 0;) {
    if (i >= active_list_.size()) continue;
    Session& s = *active_list_[i];
    const bool idle = s.stage == Stage::kHead && (!s.down || s.down->input().bytes() == 0);
    if (hard || (!idle && s.stage != Stage::kClosing)) {
      reset_client(s);
    } else if (idle) {
      close_client(s);
    }
  }
}

void HttpProxy::expire(uint64_t now_us) {
  deadlines_.advance(now_us, [&](TimerNode& node) {
    Session& s = OwnedTimer<Session>::owner_of(node);
    if (!s.in_use || s.deadline == Deadline::kNone) return;
    if (now_us < s.deadline_us) {
      deadlines_.schedule(node, s.deadline_us);  // moved on since it was armed
      return;
    }
    deadline_passed(s);
  });
}

void HttpProxy::deadline_passed(Session& s) {
  const Deadline kind = s.deadline;
  s.deadline = Deadline::kNone;
  if ((kind == Deadline::kConnect || kind == Deadline::kResponse) && s.target >= 0)
    pools_.target_counters(s.pool, s.target).timeouts.add();
  switch (kind) {
    case Deadline::kIdle:
      close_client(s);
      break;
    case Deadline::kHeader:
      respond_local(s, 408, true);
      break;
    case Deadline::kConnect:
      upstream_failed(s, true, true);
      break;
    case Deadline::kResponse:
      respond_local(s, 504, true);
      break;
    case Deadline::kBody:
      // The client stopped sending its body: the target has part of it, so its connection goes too.
      counters_.transfer_timeouts.add();
      if (s.response_started) {
        reset_client(s);
      } else {
        drop_upstream(s, false);
        respond_local(s, 408, true);
      }
      break;
    case Deadline::kTransfer:
      counters_.transfer_timeouts.add();
      reset_client(s);
      break;
    case Deadline::kLinger:
      counters_.linger_timeouts.add();
      reset_client(s);
      break;
    case Deadline::kNone:
      break;
  }
}

}  // namespace tollgate::proxy
