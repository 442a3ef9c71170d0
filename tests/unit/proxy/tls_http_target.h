// An HTTPS target for the proxy tests: OpenSSL as the TLS server (memory BIOs over a simulated TCP
// connection), so the proxy's client-role record layer meets an independent implementation. It answers
// each request (Content-Length bodies only) with a small text naming its connection and request number
// and the body length it read, or, for GET /big/N, N bytes of a pattern.
#pragma once

#include <openssl/ssl.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/unit/proxy/http_backend.h"
#include "tests/unit/tcp/tcp_harness.h"

namespace tollgate::proxy::testing {

inline std::string big_body(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 13 + i / 509) % 26);
  return s;
}

class TlsHttpTarget : public tcp::ListenerHandler {
 public:
  tcp::TcpStack* stack = nullptr;
  uint64_t* now = nullptr;
  SSL_CTX* ctx = nullptr;                   // owned by the test
  bool key_update_before_response = false;  // SSL_key_update(requested) ahead of each response
  size_t accepted = 0;
  size_t handshakes = 0;
  size_t requests = 0;

  class Session : public tcp::StreamHandler {
   public:
    TlsHttpTarget* owner = nullptr;
    tcp::Connection* connection = nullptr;
    SSL* ssl = nullptr;
    BIO* in_bio = nullptr;
    BIO* out_bio = nullptr;
    size_t id = 0;
    size_t served = 0;
    bool handshaken = false;
    bool closed = false;
    std::string in;       // plaintext read
    std::string pending;  // ciphertext the TCP send buffer has not taken yet

    ~Session() override { SSL_free(ssl); }
    void on_data(tcp::Connection& c) override {
      std::string chunk(c.receive_queue.bytes(), '\0');
      c.receive_queue.copy_out(tcp::testing::test_buffer_ops(), 0,
                               std::span<uint8_t>(reinterpret_cast<uint8_t*>(chunk.data()), chunk.size()));
      owner->stack->consume(c, static_cast<uint32_t>(chunk.size()), *owner->now);
      BIO_write(in_bio, chunk.data(), static_cast<int>(chunk.size()));
      owner->pump(*this);
    }
    void on_peer_closed(tcp::Connection& c) override {
      if (!closed) owner->stack->shutdown(c, *owner->now);
    }
    void on_writable(tcp::Connection&) override { owner->flush(*this); }
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
    s->ssl = SSL_new(ctx);
    s->in_bio = BIO_new(BIO_s_mem());
    s->out_bio = BIO_new(BIO_s_mem());
    SSL_set_bio(s->ssl, s->in_bio, s->out_bio);
    SSL_set_accept_state(s->ssl);
    sessions.push_back(std::move(s));
    return sessions.back().get();
  }

  // close_notify and FIN on every open connection (a target that ends idle keep-alive connections).
  void close_all() {
    for (auto& s : sessions) {
      if (!s->connection || !s->handshaken) continue;
      SSL_shutdown(s->ssl);
      flush(*s);
      stack->shutdown(*s->connection, *now);
    }
  }

  void pump(Session& s) {
    if (!s.handshaken) {
      if (SSL_do_handshake(s.ssl) == 1) {
        s.handshaken = true;
        ++handshakes;
      }
    }
    if (s.handshaken) {
      char buf[16384];
      int n;
      while ((n = SSL_read(s.ssl, buf, sizeof buf)) > 0) s.in.append(buf, static_cast<size_t>(n));
      while (take_request(s)) {
      }
    }
    flush(s);
  }

  void flush(Session& s) {
    char buf[16384];
    int n;
    while ((n = BIO_read(s.out_bio, buf, sizeof buf)) > 0) s.pending.append(buf, static_cast<size_t>(n));
    size_t at = 0;
    while (at < s.pending.size() && s.connection) {
      const size_t len = std::min<size_t>(s.pending.size() - at, 1400);
      if (stack->write_space(*s.connection) < len) {
        s.connection->write_blocked = true;
        break;
      }
      auto* b = tcp::testing::new_buffer(len);
      std::copy_n(s.pending.begin() + static_cast<std::ptrdiff_t>(at), len, b->bytes.begin());
      const bool ok = stack->write(*s.connection, b, 0, static_cast<uint32_t>(len), *now);
      tcp::testing::unref(b);
      if (!ok) break;
      at += len;
    }
    s.pending.erase(0, at);
  }

 private:
  bool take_request(Session& s) {
    const size_t end = s.in.find("\r\n\r\n");
    if (end == std::string::npos) return false;
    const std::string head = s.in.substr(0, end + 2);
    const std::string length = HttpBackend::field(head, "content-length");
    const size_t body = length.empty() ? 0 : std::stoul(length);
    if (s.in.size() < end + 4 + body) return false;
    s.in.erase(0, end + 4 + body);
    ++requests;
    ++s.served;
    const std::string path =
        head.substr(head.find(' ') + 1, head.find(' ', head.find(' ') + 1) - head.find(' ') - 1);
    std::string reply;
    if (path.rfind("/big/", 0) == 0) {
      reply = big_body(std::stoul(path.substr(5)));
    } else {
      reply = "conn=" + std::to_string(s.id) + " req=" + std::to_string(s.served) + " path=" + path +
              " body=" + std::to_string(body) + "\n";
    }
    if (key_update_before_response) SSL_key_update(s.ssl, SSL_KEY_UPDATE_REQUESTED);
    const std::string response =
        "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(reply.size()) + "\r\n\r\n" + reply;
    SSL_write(s.ssl, response.data(), static_cast<int>(response.size()));
    return true;
  }
};

}  // namespace tollgate::proxy::testing
