// The client side of an HTTP session as a plaintext byte stream, whatever carries it: a TCP connection
// itself (TcpDownstream), or a TLS connection whose records the TLS layer opens and seals. The HTTP
// proxy reads, writes and closes through this and never sees records or segments.
#pragma once

#include <cstdint>

#include "engine/net/addresses.h"
#include "engine/tcp/chunk_queue.h"
#include "engine/tcp/connection.h"

namespace tollgate::tcp {
class TcpStack;
}

namespace tollgate::proxy {

// What the stream tells its user.
class DownstreamEvents {
 public:
  virtual ~DownstreamEvents() = default;
  virtual void downstream_data() = 0;      // more input, or the input ended (input_ended())
  virtual void downstream_writable() = 0;  // room returned after want_writable()
  virtual void downstream_closed() = 0;    // the stream is gone: no further calls either way
};

// What the access log says about the client's TLS connection (all zero / empty for plaintext).
struct DownstreamTls {
  uint16_t version = 0;  // wire value: 0x0303 TLS 1.2, 0x0304 TLS 1.3
  uint16_t cipher = 0;   // IANA code point
  char sni[64] = {};     // the server name the client asked for, cut to fit
  uint8_t sni_length = 0;
};

class Downstream {
 public:
  virtual ~Downstream() = default;
  DownstreamEvents* events = nullptr;
  net::Ipv4Address peer;  // the client, for X-Forwarded-For and logs
  uint16_t peer_port = 0;
  DownstreamTls tls;

  // Plaintext received and not consumed yet; consume() releases its front.
  virtual const tcp::ChunkQueue& input() const = 0;
  virtual void consume(uint32_t bytes) = 0;
  // The client sends nothing more (FIN, or TLS close_notify).
  virtual bool input_ended() const = 0;
  // Plaintext the stream takes now; write() holds its own reference to `packet`.
  virtual uint32_t write_space() const = 0;
  virtual bool write(tcp::PacketRef packet, uint32_t offset, uint32_t length) = 0;
  virtual void want_writable() = 0;
  // Ends our side after everything written (FIN, or close_notify and FIN); abort() resets now.
  virtual void shutdown() = 0;
  virtual void abort() = 0;
};

// What runs over client streams that another layer carries (TLS): the L4 forwarder or the HTTP proxy.
class StreamApplication {
 public:
  virtual ~StreamApplication() = default;
  // A new client stream; the returned receiver gets its events. nullptr: no room (the client is reset).
  virtual DownstreamEvents* attach(Downstream& down) = 0;
};

// A plaintext client: the TCP connection is the stream.
class TcpDownstream final : public Downstream, public tcp::StreamHandler {
 public:
  void attach(tcp::TcpStack& stack, tcp::Connection& c, const uint64_t& now_us);

  const tcp::ChunkQueue& input() const override { return connection_->receive_queue; }
  void consume(uint32_t bytes) override;
  bool input_ended() const override { return connection_->fin_received; }
  uint32_t write_space() const override;
  bool write(tcp::PacketRef packet, uint32_t offset, uint32_t length) override;
  void want_writable() override { connection_->write_blocked = true; }
  void shutdown() override;
  void abort() override;

  void on_data(tcp::Connection&) override { events->downstream_data(); }
  void on_peer_closed(tcp::Connection&) override { events->downstream_data(); }
  void on_writable(tcp::Connection&) override { events->downstream_writable(); }
  void on_closed(tcp::Connection&, tcp::CloseReason) override;

 private:
  tcp::TcpStack* stack_ = nullptr;
  tcp::Connection* connection_ = nullptr;
  const uint64_t* now_us_ = nullptr;
};

}  // namespace tollgate::proxy
