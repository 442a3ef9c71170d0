#include "engine/proxy/tcp_stream.h"

#include "engine/tcp/stack.h"

namespace tollgate::proxy {

void TcpStream::attach(tcp::TcpStack& stack, tcp::Connection& c, const uint64_t& now_us) {
  stack_ = &stack;
  connection_ = &c;
  now_us_ = &now_us;
  peer = net::Ipv4Address{c.tuple.remote_ip};
  peer_port = c.tuple.remote_port;
}

void TcpStream::consume(uint32_t bytes) {
  stack_->consume(*connection_, bytes, *now_us_);
}

uint32_t TcpStream::write_space() const {
  return stack_->write_space(*connection_);
}

bool TcpStream::write(tcp::PacketRef packet, uint32_t offset, uint32_t length) {
  return stack_->write(*connection_, packet, offset, length, *now_us_);
}

void TcpStream::shutdown() {
  stack_->shutdown(*connection_, *now_us_);
}

void TcpStream::abort() {
  stack_->abort(*connection_);  // → on_closed
}

void TcpStream::on_closed(tcp::Connection&, tcp::CloseReason) {
  connection_ = nullptr;
  events->stream_closed();
}

}  // namespace tollgate::proxy
