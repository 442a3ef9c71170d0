#include "engine/proxy/downstream.h"

#include "engine/tcp/stack.h"

namespace tollgate::proxy {

void TcpDownstream::attach(tcp::TcpStack& stack, tcp::Connection& c, const uint64_t& now_us) {
  stack_ = &stack;
  connection_ = &c;
  now_us_ = &now_us;
  peer = net::Ipv4Address{c.tuple.remote_ip};
  peer_port = c.tuple.remote_port;
}

void TcpDownstream::consume(uint32_t bytes) {
  stack_->consume(*connection_, bytes, *now_us_);
}

uint32_t TcpDownstream::write_space() const {
  return stack_->write_space(*connection_);
}

bool TcpDownstream::write(tcp::PacketRef packet, uint32_t offset, uint32_t length) {
  return stack_->write(*connection_, packet, offset, length, *now_us_);
}

void TcpDownstream::shutdown() {
  stack_->shutdown(*connection_, *now_us_);
}

void TcpDownstream::abort() {
  stack_->abort(*connection_);  // → on_closed
}

void TcpDownstream::on_closed(tcp::Connection&, tcp::CloseReason) {
  connection_ = nullptr;
  events->downstream_closed();
}

}  // namespace tollgate::proxy
