// A target for the HTTP proxy tests on a simulated TCP stack: it reads requests with plain string
// handling (independent of engine/http, which is under test) and answers each with a body that echoes
// the request head it saw, so tests can assert exactly what the proxy forwarded.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tests/unit/tcp/tcp_harness.h"

namespace tollgate::proxy::testing {

class HttpBackend : public tcp::ListenerHandler {
 public:
  struct Request {
    std::string head;  // request line and fields, up to the blank line
    std::string body;  // decoded (chunked framing removed)
    size_t connection = 0;
  };
  enum class Mode { kRespond, kSilent, kCloseWithoutAnswer, kResetOnRequest };

  tcp::TcpStack* stack = nullptr;
  uint64_t* now = nullptr;
  std::string name = "backend";
  Mode mode = Mode::kRespond;
  bool close_after_response = false;
  bool chunked_response = false;
  size_t response_body_bytes = 0;  // > 0: a generated body of this size instead of the echo
  std::vector<Request> requests;
  size_t accepted = 0;

  class Session : public tcp::StreamHandler {
   public:
    HttpBackend* owner = nullptr;
    tcp::Connection* connection = nullptr;
    size_t id = 0;
    std::string in;
    bool closed = false;
    void on_data(tcp::Connection& c) override {
      std::string chunk(c.receive_queue.bytes(), '\0');
      c.receive_queue.copy_out(tcp::testing::test_buffer_ops(), 0,
                               std::span<uint8_t>(reinterpret_cast<uint8_t*>(chunk.data()), chunk.size()));
      owner->stack->consume(c, static_cast<uint32_t>(chunk.size()), *owner->now);
      in += chunk;
      while (owner->take_request(*this)) {
      }
    }
    void on_peer_closed(tcp::Connection& c) override {
      if (!closed) owner->stack->shutdown(c, *owner->now);
    }
    void on_closed(tcp::Connection&, tcp::CloseReason) override {
      closed = true;
      connection = nullptr;
    }
  };
  std::vector<std::unique_ptr<Session>> sessions;

  tcp::StreamHandler* on_accept(tcp::Connection& c) override {
    auto s = std::make_unique<Session>();
    s->owner = this;
    s->connection = &c;
    s->id = accepted++;
    sessions.push_back(std::move(s));
    return sessions.back().get();
  }

  static std::string field(const std::string& head, const std::string& name) {
    std::string lower_head = head, lower_name = "\r\n" + name + ":";
    for (char& ch : lower_head) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    for (char& ch : lower_name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    const size_t at = lower_head.find(lower_name);
    if (at == std::string::npos) return "";
    size_t from = at + lower_name.size();
    while (from < head.size() && head[from] == ' ') ++from;
    return head.substr(from, head.find("\r\n", from) - from);
  }

  void write(Session& s, const std::string& bytes) {
    size_t at = 0;
    while (at < bytes.size() && s.connection) {
      const size_t n = std::min<size_t>(bytes.size() - at, 1400);
      auto* b = tcp::testing::new_buffer(n);
      std::copy_n(bytes.begin() + static_cast<std::ptrdiff_t>(at), n, b->bytes.begin());
      stack->write(*s.connection, b, 0, static_cast<uint32_t>(n), *now);
      tcp::testing::unref(b);
      at += n;
    }
  }

 private:
  // One complete request from the session's bytes, answered. False when none is complete yet.
  bool take_request(Session& s) {
    const size_t end = s.in.find("\r\n\r\n");
    if (end == std::string::npos) return false;
    Request r;
    r.head = s.in.substr(0, end + 2);
    r.connection = s.id;
    size_t used = end + 4;
    const std::string length = field(r.head, "content-length");
    if (!length.empty()) {
      const size_t n = std::stoul(length);
      if (s.in.size() < used + n) return false;
      r.body = s.in.substr(used, n);
      used += n;
    } else if (field(r.head, "transfer-encoding") == "chunked") {
      size_t at = used;
      for (;;) {
        const size_t line_end = s.in.find("\r\n", at);
        if (line_end == std::string::npos) return false;
        const size_t size = std::stoul(s.in.substr(at, line_end - at), nullptr, 16);
        if (size == 0) {
          const size_t trailer_end = s.in.find("\r\n", line_end + 2);
          if (trailer_end == std::string::npos) return false;
          used = trailer_end + 2;  // no trailers in these tests
          break;
        }
        if (s.in.size() < line_end + 2 + size + 2) return false;
        r.body += s.in.substr(line_end + 2, size);
        at = line_end + 2 + size + 2;
      }
    }
    s.in.erase(0, used);
    requests.push_back(r);
    respond(s, r);
    return true;
  }

  void respond(Session& s, const Request& r) {
    if (!s.connection) return;
    switch (mode) {
      case Mode::kSilent:
        return;
      case Mode::kCloseWithoutAnswer:
        stack->shutdown(*s.connection, *now);
        return;
      case Mode::kResetOnRequest:
        stack->abort(*s.connection);
        return;
      case Mode::kRespond:
        break;
    }
    const bool head_request = r.head.rfind("HEAD ", 0) == 0;
    std::string body = response_body_bytes ? std::string(response_body_bytes, 'b') : r.head;
    std::string out =
        "HTTP/1.1 200 OK\r\nX-Backend: " + name + "\r\nX-Connection: " + std::to_string(s.id) + "\r\n";
    if (close_after_response) out += "Connection: close\r\n";
    if (chunked_response) {
      out += "Transfer-Encoding: chunked\r\n\r\n";
      if (!head_request) {
        for (size_t at = 0; at < body.size(); at += 1000) {
          const std::string piece = body.substr(at, 1000);
          char size[16];
          std::snprintf(size, sizeof size, "%zx", piece.size());
          out += std::string(size) + "\r\n" + piece + "\r\n";
        }
        out += "0\r\n\r\n";
      }
    } else {
      out += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
      if (!head_request) out += body;
    }
    write(s, out);
    if (close_after_response) stack->shutdown(*s.connection, *now);
  }
};

}  // namespace tollgate::proxy::testing
