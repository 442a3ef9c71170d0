// A plaintext TCP connection as a PlainStream: a client of an http or tcp listener, or a connection to a
// pool's target.
#pragma once

#include <cstdint>

#include "engine/proxy/plain_stream.h"
#include "engine/tcp/connection.h"

namespace tollgate::tcp {
class TcpStack;
}

namespace tollgate::proxy {

class TcpStream final : public PlainStream, public tcp::StreamHandler {
 public:
  // The connection (accepted, or being opened with this as its handler) becomes the stream.
  void attach(tcp::TcpStack& stack, tcp::Connection& c, const uint64_t& now_us);
  tcp::Connection* connection() const { return connection_; }

  const tcp::ChunkQueue& input() const override { return connection_->receive_queue; }
  void consume(uint32_t bytes) override;
  bool input_ended() const override { return connection_->fin_received; }
  uint32_t write_space() const override;
  bool write(tcp::PacketRef packet, uint32_t offset, uint32_t length) override;
  void want_writable() override { connection_->write_blocked = true; }
  void shutdown() override;
  void abort() override;

  void on_connected(tcp::Connection&) override { events->stream_connected(); }
  void on_data(tcp::Connection&) override { events->stream_data(); }
  void on_peer_closed(tcp::Connection&) override { events->stream_data(); }
  void on_writable(tcp::Connection&) override { events->stream_writable(); }
  void on_closed(tcp::Connection&, tcp::CloseReason) override;

 private:
  tcp::TcpStack* stack_ = nullptr;
  tcp::Connection* connection_ = nullptr;
  const uint64_t* now_us_ = nullptr;
};

}  // namespace tollgate::proxy
