#include "bench/loadgen/backend.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "engine/http/request_parser.h"

namespace tollgate::loadgen {
namespace {

constexpr uint32_t kBlockBytes = 64 * 1024;

tcp::PacketRef make_buffer(const tcp::BufferOps& ops, std::string_view bytes) {
  uint8_t* data = nullptr;
  tcp::PacketRef p = ops.make(static_cast<uint32_t>(bytes.size()), &data);
  if (p) std::memcpy(data, bytes.data(), bytes.size());
  return p;
}

}  // namespace

Backend::Backend(Host& host, const BackendOptions& options, uint32_t max_connections)
    : host_(host), options_(options) {
  conns_.reserve(max_connections);
  for (uint32_t i = 0; i < max_connections; ++i) {
    conns_.push_back(std::make_unique<Conn>());
    conns_.back()->owner = this;
  }
  for (auto it = conns_.rbegin(); it != conns_.rend(); ++it) free_.push_back(it->get());
}

Backend::~Backend() {
  for (auto& c : conns_) c->owner = nullptr;
  const tcp::BufferOps& ops = host_.tcp().buffers();
  for (tcp::PacketRef p : {head_, head_close_})
    if (p) ops.drop(p);
  for (tcp::PacketRef p : block_) ops.drop(p);
}

bool Backend::listen(net::Ipv4Address address) {
  const tcp::BufferOps& ops = host_.tcp().buffers();
  const uint32_t room = ops.max_allocation;
  const auto head = [&](bool close) {
    return fmt::format(
        "HTTP/1.1 200 OK\r\nServer: tollgate-loadgen\r\nContent-Type: application/octet-stream\r\n"
        "Content-Length: {}\r\n{}\r\n",
        options_.body_bytes, close ? "Connection: close\r\n" : "");
  };
  const std::string keep = head(false), close = head(true);
  // Small bodies ride in the head's buffer; larger ones follow from the block.
  head_body_ = std::min<uint32_t>(options_.body_bytes, room - static_cast<uint32_t>(close.size()));
  head_ = make_buffer(ops, keep + std::string(head_body_, 'x'));
  head_close_ = make_buffer(ops, close + std::string(head_body_, 'x'));
  head_length_ = static_cast<uint32_t>(keep.size()) + head_body_;
  head_close_length_ = static_cast<uint32_t>(close.size()) + head_body_;
  block_piece_ = std::min<uint32_t>(room, 2048);
  if (options_.body_bytes > head_body_) {
    for (uint32_t at = 0; at < kBlockBytes; at += block_piece_) {
      block_.push_back(make_buffer(ops, std::string(block_piece_, 'y')));
      if (!block_.back()) return false;
    }
  }
  if (!head_ || !head_close_) return false;
  return host_.tcp().listen(address, options_.port, this, 0);
}

tcp::StreamHandler* Backend::on_accept(tcp::Connection& c) {
  if (free_.empty()) {
    ++counters_.refused;
    return nullptr;
  }
  Conn& b = *free_.back();
  free_.pop_back();
  b.in_use = true;
  b.body_left = 0;
  b.close_after = false;
  b.has_body_framer = false;
  b.tcp.attach(host_.tcp(), c, host_.clock());
  b.tcp.events = &b;
  ++counters_.connections;
  return &b.tcp;
}

void Backend::data(Conn& c) {
  const tcp::BufferOps& ops = host_.tcp().buffers();
  const tcp::ChunkQueue& in = c.tcp.input();
  // One request at a time: the next is read once this response is queued whole.
  while (c.in_use && c.body_left == 0 && !c.close_after && in.bytes() > 0) {
    if (c.has_body_framer) {
      uint32_t taken = 0;
      for (const tcp::Chunk* ch = in.front(); ch && !c.request_body.done(); ch = ch->next) {
        const http::FrameResult f =
            c.request_body.advance(ops.view(ch->packet).subspan(ch->offset, ch->length));
        taken += static_cast<uint32_t>(f.consumed);
        if (f.error != http::ParseError::kNone) {
          ++counters_.bad_requests;
          return c.tcp.abort();
        }
      }
      if (taken) c.tcp.consume(taken);
      if (!c.request_body.done()) return;
      c.has_body_framer = false;
      continue;
    }
    const size_t n = in.copy_out(ops, 0, scratch_);
    http::RequestHead head;
    const http::ParseResult r =
        http::parse_request({scratch_.data(), n}, http::ParseLimits{}, headers_, head);
    if (r.status == http::ParseStatus::kIncomplete) {
      if (n == scratch_.size()) {
        ++counters_.bad_requests;
        c.tcp.abort();
      }
      return;
    }
    if (r.status == http::ParseStatus::kError) {
      ++counters_.bad_requests;
      return c.tcp.abort();
    }
    c.tcp.consume(static_cast<uint32_t>(head.head_bytes));
    if (head.body != http::BodyKind::kNone) {
      c.request_body = http::BodyFramer::for_request(head, http::ParseLimits{});
      c.has_body_framer = true;
    }
    ++counters_.requests;
    c.close_after = !head.keep_alive;
    const bool ok =
        c.close_after ? c.tcp.write(head_close_, 0, head_close_length_) : c.tcp.write(head_, 0, head_length_);
    if (!ok) return c.tcp.abort();  // the send buffer refused a response head: the peer does not read
    counters_.bytes_sent += c.close_after ? head_close_length_ : head_length_;
    c.body_left = options_.body_bytes - head_body_;
    send_body(c);  // the rest of a large body follows as the send buffer drains (stream_writable)
  }
}

void Backend::send_body(Conn& c) {
  while (c.in_use && c.body_left > 0) {
    const uint64_t sent_so_far = options_.body_bytes - head_body_ - c.body_left;
    const size_t piece = static_cast<size_t>((sent_so_far % kBlockBytes) / block_piece_);
    const uint32_t length = static_cast<uint32_t>(std::min<uint64_t>(block_piece_, c.body_left));
    if (c.tcp.write_space() < length || !c.tcp.write(block_[piece % block_.size()], 0, length)) {
      c.tcp.want_writable();
      return;
    }
    c.body_left -= length;
    counters_.bytes_sent += length;
  }
  if (c.in_use && c.close_after) c.tcp.shutdown();
}

void Backend::writable(Conn& c) {
  send_body(c);
  if (c.in_use && c.body_left == 0 && !c.close_after) data(c);  // requests that waited for this body
}

void Backend::closed(Conn& c) {
  c.in_use = false;
  c.body_left = 0;
  free_.push_back(&c);
}

}  // namespace tollgate::loadgen
