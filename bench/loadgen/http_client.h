// The client role: C connections to the VIP, plain HTTP (engine/tcp streams) or HTTPS (engine/proxy's
// TlsTerminator in client role: OpenSSL for the handshake, then the engine's record layer), GET requests
// with keep-alive or one (or N) per connection, paced or as fast as the server answers, responses framed
// by the engine's HTTP/1.1 parser. Every connection slot is made up front; a request is one shared,
// reference-counted buffer: nothing is allocated per request but packet buffers.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "bench/loadgen/client_results.h"
#include "bench/loadgen/host.h"
#include "bench/loadgen/options.h"
#include "bench/loadgen/pacer.h"
#include "engine/http/body_framer.h"
#include "engine/http/message_types.h"
#include "engine/proxy/tcp_stream.h"
#include "engine/proxy/tls_terminator.h"

namespace tollgate::loadgen {

class HttpClient {
 public:
  // `tls`/`context` are used when options.tls; `source` is our address on the client port.
  HttpClient(Host& host, proxy::TlsTerminator* tls, const tls::ClientContext* context,
             const ClientOptions& options, net::Ipv4Address source);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  bool ready() const { return request_ != nullptr; }  // the request buffer could be made
  void start(uint64_t now_us);
  // Opens connections, sends the requests that are due, times out what waited too long.
  void poll(uint64_t now_us);
  // The measured window starts now (after warm-up): counts so far are dropped.
  void restart_window(uint64_t now_us);
  // No more requests from now on; those in flight may still complete.
  void stop_issuing(uint64_t now_us);
  bool issuing() const { return issuing_; }
  bool in_flight() const { return waiting_ > 0 || connecting_ > 0; }
  // Closes every connection (FIN for idle ones, RST for any still waiting) and fixes the window's length.
  void close_all(uint64_t now_us);
  uint64_t issued() const { return issued_; }
  size_t open_connections() const { return open_; }
  const ClientResults& results() const { return results_; }

 private:
  enum class State : uint8_t { kFree, kConnecting, kIdle, kWaiting, kClosing };
  struct Conn final : proxy::StreamEvents {
    HttpClient* owner = nullptr;
    proxy::TcpStream tcp;
    proxy::PlainStream* stream = nullptr;
    State state = State::kFree;
    uint64_t started_us = 0;  // connect() or request origin
    uint64_t deadline_us = 0;
    uint64_t origin_us = 0;   // the request's latency origin (scheduled or sent)
    bool origin_set = false;  // new-connection mode: the request's token was taken at connect
    uint32_t requests = 0;    // completed on this connection
    bool head_done = false;
    http::BodyFramer framer;
    uint64_t response_bytes = 0;
    uint16_t status = 0;
    bool keep_alive = false;
    // owner is null once the client is gone (connections the stack tears down later).
    void stream_connected() override {
      if (owner) owner->connected(*this);
    }
    void stream_data() override {
      if (owner) owner->data(*this);
    }
    void stream_writable() override {}
    void stream_closed() override {
      if (owner) owner->closed(*this);
    }
  };

  bool open(uint64_t origin_us, bool has_origin);
  void connected(Conn& c);
  void data(Conn& c);
  void closed(Conn& c);
  bool send_request(Conn& c, uint64_t origin_us);
  void response_done(Conn& c);
  void finish(Conn& c);  // graceful close after the last request
  bool may_issue() const;
  void expire(uint64_t now_us);

  Host& host_;
  proxy::TlsTerminator* tls_;
  const tls::ClientContext* context_;
  const ClientOptions& options_;
  net::Ipv4Address source_;
  std::vector<std::unique_ptr<Conn>> conns_;
  std::vector<Conn*> free_;
  std::vector<Conn*> idle_;
  tcp::PacketRef request_ = nullptr;
  uint32_t request_length_ = 0;
  Pacer pacer_;
  bool issuing_ = false;
  uint64_t issued_ = 0;
  size_t open_ = 0, waiting_ = 0, connecting_ = 0;
  uint64_t window_start_us_ = 0, last_response_us_ = 0, stop_us_ = 0, next_expiry_us_ = 0;
  http::HeaderStore headers_;
  std::array<uint8_t, 4096> head_scratch_{};
  ClientResults results_;
};

}  // namespace tollgate::loadgen
