#include "bench/loadgen/http_client.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "engine/http/response_parser.h"

namespace tollgate::loadgen {
namespace {

constexpr uint64_t kExpiryIntervalUs = 10'000;

}  // namespace

HttpClient::HttpClient(Host& host, proxy::TlsTerminator* tls, const tls::ClientContext* context,
                       const ClientOptions& options, net::Ipv4Address source)
    : host_(host), tls_(tls), context_(context), options_(options), source_(source) {
  conns_.reserve(options.connections);
  free_.reserve(options.connections);
  idle_.reserve(options.connections);
  for (uint32_t i = 0; i < options.connections; ++i) {
    conns_.push_back(std::make_unique<Conn>());
    conns_.back()->owner = this;
  }
  for (auto it = conns_.rbegin(); it != conns_.rend(); ++it) free_.push_back(it->get());
  // Every request is the same bytes: one buffer, shared by reference by every send queue.
  const std::string text = fmt::format("GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: tollgate-loadgen\r\n\r\n",
                                       options.path, options.host);
  uint8_t* data = nullptr;
  const tcp::BufferOps& ops = host.tcp().buffers();
  if (text.size() <= ops.max_allocation && (request_ = ops.make(static_cast<uint32_t>(text.size()), &data))) {
    std::memcpy(data, text.data(), text.size());
    request_length_ = static_cast<uint32_t>(text.size());
  }
}

HttpClient::~HttpClient() {
  for (auto& c : conns_) {
    if (c->stream) {
      c->state = State::kFree;
      c->owner = nullptr;
    }
  }
  if (request_) host_.tcp().buffers().drop(request_);
}

void HttpClient::start(uint64_t now_us) {
  pacer_ = Pacer(options_.rate, now_us);
  issuing_ = true;
  window_start_us_ = now_us;
}

void HttpClient::restart_window(uint64_t now_us) {
  results_ = ClientResults{};
  window_start_us_ = now_us;
}

void HttpClient::stop_issuing(uint64_t now_us) {
  if (!issuing_) return;
  issuing_ = false;
  stop_us_ = now_us;
}

bool HttpClient::may_issue() const {
  return issuing_ && (options_.requests == 0 || issued_ < options_.requests);
}

void HttpClient::poll(uint64_t now_us) {
  if (now_us >= next_expiry_us_) {
    next_expiry_us_ = now_us + kExpiryIntervalUs;
    expire(now_us);
  }
  if (!may_issue()) return;
  const bool new_connection_mode = options_.requests_per_connection == 1;
  uint64_t due = pacer_.due(now_us);
  // Keep-alive: requests go on idle connections; new-connection mode: each request opens its own.
  while (due > 0 && may_issue()) {
    if (new_connection_mode) {
      if (free_.empty()) break;
      const uint64_t origin = pacer_.take(now_us);
      ++issued_;
      if (!open(origin, true)) break;
    } else {
      if (idle_.empty()) break;
      Conn* c = idle_.back();
      idle_.pop_back();
      ++issued_;
      send_request(*c, pacer_.take(now_us));
    }
    --due;
  }
  // Keep the connection slots filled (keep-alive and N-per-connection modes).
  if (!new_connection_mode) {
    while (!free_.empty() && may_issue()) {
      if (!open(0, false)) break;
    }
  }
}

bool HttpClient::open(uint64_t origin_us, bool has_origin) {
  Conn& c = *free_.back();
  const uint64_t now = host_.now_us();
  proxy::PlainStream* stream = nullptr;
  if (options_.tls) {
    stream = tls_->connect(source_, options_.target, options_.port, *context_, c);
  } else if (tcp::Connection* tc =
                 host_.tcp().connect(source_, options_.target, options_.port, &c.tcp, now)) {
    c.tcp.attach(host_.tcp(), *tc, host_.clock());
    c.tcp.events = &c;
    stream = &c.tcp;
  }
  if (!stream) {
    ++results_.no_resources;
    if (has_origin) --issued_;  // the token goes back: the request was never made
    return false;
  }
  free_.pop_back();
  c.stream = stream;
  c.state = State::kConnecting;
  c.started_us = now;
  c.deadline_us = now + uint64_t{options_.timeout_ms} * 1000;
  c.origin_us = origin_us;
  c.origin_set = has_origin;
  c.requests = 0;
  ++open_;
  ++connecting_;
  return true;
}

void HttpClient::connected(Conn& c) {
  if (c.state != State::kConnecting) return;
  --connecting_;
  const uint64_t now = host_.now_us();
  ++results_.connections_opened;
  if (options_.tls) ++results_.handshakes;
  results_.connect_latency.record((now - c.started_us) * 1000);
  c.state = State::kIdle;
  if (c.origin_set) {
    send_request(c, c.origin_us);
  } else {
    idle_.push_back(&c);
    poll(now);  // a request may be due already
  }
}

bool HttpClient::send_request(Conn& c, uint64_t origin_us) {
  const uint64_t now = host_.now_us();
  c.state = State::kWaiting;
  ++waiting_;
  c.origin_us = pacer_.paced() ? origin_us : now;
  c.deadline_us = now + uint64_t{options_.timeout_ms} * 1000;
  c.head_done = false;
  c.response_bytes = 0;
  if (!c.stream->write(request_, 0, request_length_)) {
    ++results_.no_resources;
    c.stream->abort();
    return false;
  }
  ++results_.requests_sent;
  results_.bytes_sent += request_length_;
  return true;
}

void HttpClient::data(Conn& c) {
  if (!c.stream) return;
  const tcp::ChunkQueue& in = c.stream->input();
  if (c.state != State::kWaiting) {
    // Bytes nobody asked for (or after our close): the server is confused, or closing.
    if (in.bytes() > 0 && c.state == State::kIdle) {
      ++results_.bad_responses;
      c.stream->abort();
    } else if (in.bytes() > 0) {
      c.stream->consume(in.bytes());
    }
    return;
  }
  const tcp::BufferOps& ops = host_.tcp().buffers();
  if (!c.head_done) {
    const size_t n = in.copy_out(ops, 0, head_scratch_);
    http::ResponseHead head;
    const http::ParseResult r = http::parse_response({head_scratch_.data(), n}, http::ParseLimits{}, headers_,
                                                     http::Method::kGet, head);
    if (r.status == http::ParseStatus::kIncomplete) {
      if (n == head_scratch_.size() || c.stream->input_ended()) {
        ++results_.bad_responses;
        c.stream->abort();
      }
      return;
    }
    if (r.status == http::ParseStatus::kError || head.body == http::BodyKind::kTunnel || head.interim()) {
      ++results_.bad_responses;
      c.stream->abort();
      return;
    }
    c.head_done = true;
    c.status = head.status;
    c.keep_alive = head.keep_alive;
    c.framer = http::BodyFramer::for_response(head, http::ParseLimits{});
    c.response_bytes = head.head_bytes;
    c.stream->consume(static_cast<uint32_t>(head.head_bytes));
  }
  // The body: framed where it lies, chunk by chunk, then released.
  uint32_t taken = 0;
  for (const tcp::Chunk* ch = in.front(); ch && !c.framer.done(); ch = ch->next) {
    const http::FrameResult f = c.framer.advance(ops.view(ch->packet).subspan(ch->offset, ch->length));
    taken += static_cast<uint32_t>(f.consumed);
    if (f.error != http::ParseError::kNone) {
      ++results_.bad_responses;
      c.stream->abort();
      return;
    }
  }
  c.response_bytes += taken;
  if (taken) c.stream->consume(taken);
  if (c.framer.done()) return response_done(c);
  if (c.stream->input_ended()) {
    ++results_.resets;
    c.stream->abort();
  }
}

void HttpClient::response_done(Conn& c) {
  const uint64_t now = host_.now_us();
  --waiting_;
  ++results_.responses;
  results_.bytes_received += c.response_bytes;
  const unsigned cls = c.status / 100;
  ++results_.status_classes[cls >= 1 && cls <= 5 ? cls : 0];
  if (c.status == 200) ++results_.status_200;
  results_.latency.record((now >= c.origin_us ? now - c.origin_us : 0) * 1000);
  last_response_us_ = now;
  ++c.requests;
  c.state = State::kIdle;
  const uint32_t limit = options_.requests_per_connection;
  if (!c.keep_alive || (limit != 0 && c.requests >= limit) || !may_issue()) return finish(c);
  idle_.push_back(&c);
  poll(now);
}

void HttpClient::finish(Conn& c) {
  c.state = State::kClosing;
  c.deadline_us = host_.now_us() + uint64_t{options_.timeout_ms} * 1000;
  c.stream->shutdown();
}

void HttpClient::closed(Conn& c) {
  switch (c.state) {
    case State::kConnecting:
      --connecting_;
      ++results_.connect_failures;
      break;
    case State::kWaiting:
      --waiting_;
      ++results_.resets;
      break;
    case State::kIdle:
      ++results_.closed_by_server;
      std::erase(idle_, &c);
      break;
    case State::kClosing:
    case State::kFree:
      break;
  }
  c.state = State::kFree;
  c.stream = nullptr;
  --open_;
  free_.push_back(&c);
}

void HttpClient::expire(uint64_t now_us) {
  for (auto& p : conns_) {
    Conn& c = *p;
    if (c.state == State::kFree || c.state == State::kIdle || now_us < c.deadline_us) continue;
    if (c.state == State::kConnecting) {
      --connecting_;
      ++results_.connect_failures;
    } else if (c.state == State::kWaiting) {
      --waiting_;
      ++results_.timeouts;
    }
    c.state = State::kClosing;  // closed() then only frees the slot
    c.stream->abort();
  }
}

void HttpClient::close_all(uint64_t now_us) {
  stop_issuing(now_us);
  results_.seconds = static_cast<double>(std::max(stop_us_, last_response_us_) - window_start_us_) / 1e6;
  for (auto& p : conns_) {
    Conn& c = *p;
    if (c.state == State::kIdle) {
      std::erase(idle_, &c);
      finish(c);
    } else if (c.state == State::kWaiting || c.state == State::kConnecting) {
      (c.state == State::kWaiting ? waiting_ : connecting_)--;
      c.state = State::kClosing;
      c.stream->abort();
    }
  }
}

}  // namespace tollgate::loadgen
