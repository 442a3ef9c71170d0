// A backend for the proxy tests: an echo server on a simulated TCP stack, one RecordingHandler per
// accepted connection.
#pragma once

#include <memory>
#include <vector>

#include "tests/unit/tcp/tcp_harness.h"

namespace tollgate::proxy::testing {

class EchoBackend : public tcp::ListenerHandler {
 public:
  tcp::TcpStack* stack = nullptr;
  uint64_t* now = nullptr;
  std::vector<std::unique_ptr<tcp::testing::RecordingHandler>> sessions;
  tcp::StreamHandler* on_accept(tcp::Connection& c) override {
    auto h = std::make_unique<tcp::testing::RecordingHandler>();
    h->stack = stack;
    h->now = now;
    h->echo = true;
    h->connection = &c;
    h->connected = true;
    sessions.push_back(std::move(h));
    return sessions.back().get();
  }
};

}  // namespace tollgate::proxy::testing
