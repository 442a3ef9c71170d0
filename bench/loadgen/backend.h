// The backend emulator: an HTTP/1.1 origin on the second port, answering every request with 200 and a
// body of a configured size, keep-alive as the client asks. Responses are made of buffers built once and
// shared by reference (head + small body in one; large bodies repeat one 64 KiB block), so serving a
// request copies nothing here: the dataplane under test is what the run measures, not this.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "bench/loadgen/host.h"
#include "bench/loadgen/options.h"
#include "engine/http/body_framer.h"
#include "engine/http/message_types.h"
#include "engine/proxy/tcp_stream.h"

namespace tollgate::loadgen {

struct BackendCounters {
  uint64_t connections = 0;
  uint64_t requests = 0;
  uint64_t bad_requests = 0;  // unparsable: connection reset
  uint64_t bytes_sent = 0;    // response bytes queued
  uint64_t refused = 0;       // no connection slot
};

class Backend final : public tcp::ListenerHandler {
 public:
  Backend(Host& host, const BackendOptions& options, uint32_t max_connections);
  ~Backend() override;
  Backend(const Backend&) = delete;
  Backend& operator=(const Backend&) = delete;

  bool listen(net::Ipv4Address address);  // false: the port is taken or the buffers could not be made
  tcp::StreamHandler* on_accept(tcp::Connection& c) override;
  const BackendCounters& counters() const { return counters_; }

 private:
  struct Conn final : proxy::StreamEvents {
    Backend* owner = nullptr;
    proxy::TcpStream tcp;
    bool in_use = false;
    uint64_t body_left = 0;  // of the response being sent
    bool close_after = false;
    bool has_body_framer = false;  // inside a request body
    http::BodyFramer request_body;
    void stream_data() override {
      if (owner) owner->data(*this);
    }
    void stream_writable() override {
      if (owner) owner->writable(*this);
    }
    void stream_closed() override {
      if (owner) owner->closed(*this);
    }
  };

  void data(Conn& c);
  void send_body(Conn& c);
  void writable(Conn& c);
  void closed(Conn& c);

  Host& host_;
  const BackendOptions& options_;
  std::vector<std::unique_ptr<Conn>> conns_;
  std::vector<Conn*> free_;
  // Head + the first part of the body (all of a small one), and a block of body bytes to repeat.
  tcp::PacketRef head_ = nullptr, head_close_ = nullptr;
  uint32_t head_length_ = 0, head_close_length_ = 0;
  uint32_t head_body_ = 0;  // body bytes inside head_
  std::vector<tcp::PacketRef> block_;
  uint32_t block_piece_ = 0;
  http::HeaderStore headers_;
  std::array<uint8_t, 8192> scratch_{};
  BackendCounters counters_;
};

}  // namespace tollgate::loadgen
