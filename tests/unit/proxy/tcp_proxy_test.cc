// The TCP proxy between two simulated stacks: stack 0 holds the client and an echo backend (on another
// port), stack 1 runs the proxy, so every byte crosses the proxy twice in each direction.
#include "engine/proxy/tcp_proxy.h"

#include <gtest/gtest.h>

#include <random>

#include "tests/unit/proxy/echo_backend.h"
#include "tests/unit/tcp/tcp_harness.h"

namespace tollgate::proxy {
namespace {

using tcp::testing::RecordingHandler;
using tcp::testing::TcpPair;

constexpr uint16_t kListenPort = 7000;
constexpr uint16_t kBackendPort = 8000;

using testing::EchoBackend;

class TcpProxyTest : public ::testing::Test {
 protected:
  void SetUp() override { baseline_ = tcp::testing::live_buffers(); }
  void TearDown() override {
    if (pair_) {
      EXPECT_EQ(pair_->oversized, 0) << "segments larger than the MTU";
    }
    proxy_.reset();
    pair_.reset();
    EXPECT_EQ(tcp::testing::live_buffers(), baseline_) << "leaked packet buffers";
  }

  void start(tcp::TcpConfig config = {}, std::vector<Target> targets = {}) {
    pair_ = std::make_unique<TcpPair>(config, 3);
    backend_.stack = &pair_->client();
    backend_.now = &pair_->now;
    ASSERT_TRUE(pair_->client().listen(TcpPair::kAddress[0], kBackendPort, &backend_, 0));
    if (targets.empty()) targets.push_back({TcpPair::kAddress[0], kBackendPort});
    proxy_ = std::make_unique<TcpProxy>(pair_->server(), TcpPair::kAddress[1], targets, 64, pair_->now);
    ASSERT_TRUE(pair_->server().listen(TcpPair::kAddress[1], kListenPort, proxy_.get(), 0));
    client_.stack = &pair_->client();
    client_.now = &pair_->now;
  }

  void connect_client() {
    pair_->client().connect(TcpPair::kAddress[0], TcpPair::kAddress[1], kListenPort, &client_, pair_->now);
    ASSERT_TRUE(pair_->run([&] { return client_.connected || client_.closed; }));
  }

  void send_all(const std::string& data, size_t piece = 8192) {
    ASSERT_TRUE(tcp::testing::write_all(client_, *pair_, data, piece)) << "stalled";
  }

  std::unique_ptr<TcpPair> pair_;
  std::unique_ptr<TcpProxy> proxy_;
  EchoBackend backend_;
  RecordingHandler client_;
  int baseline_ = 0;
};

std::string pattern(size_t n) {
  std::string s(n, '\0');
  std::mt19937 rng(11);
  for (char& ch : s) ch = static_cast<char>(rng());
  return s;
}

TEST_F(TcpProxyTest, EchoesThroughTheProxy) {
  start();
  connect_client();
  ASSERT_TRUE(client_.connected);
  const std::string data = pattern(3 << 20);
  send_all(data);
  ASSERT_TRUE(pair_->run([&] { return client_.received.size() == data.size(); }, 600'000'000))
      << "received " << client_.received.size();
  EXPECT_TRUE(client_.received == data);
  EXPECT_EQ(proxy_->counters().bytes_to_backend.get(), data.size());
  EXPECT_EQ(proxy_->counters().bytes_to_client.get(), data.size());
}

TEST_F(TcpProxyTest, EchoesUnderLoss) {
  start();
  connect_client();
  for (auto& l : pair_->link) {
    l.loss = 0.01;
    l.duplicate = 0.01;
    l.reorder = 0.02;
    l.delay_us = 10000;
  }
  const std::string data = pattern(1 << 20);
  send_all(data);
  ASSERT_TRUE(pair_->run([&] { return client_.received.size() == data.size(); }, 900'000'000))
      << "received " << client_.received.size();
  EXPECT_TRUE(client_.received == data);
}

TEST_F(TcpProxyTest, HalfCloseTravelsAfterTheData) {
  start();
  connect_client();
  const std::string data = pattern(100000);
  send_all(data);
  client_.stack->shutdown(*client_.connection, pair_->now);
  ASSERT_TRUE(pair_->run([&] { return client_.peer_closed; }, 60'000'000));
  EXPECT_TRUE(client_.received == data) << "every echoed byte arrives before the FIN";
  ASSERT_TRUE(pair_->run([&] { return client_.closed && proxy_->sessions_active() == 0; }, 120'000'000));
  EXPECT_EQ(client_.reason, tcp::CloseReason::kNormal);
}

TEST_F(TcpProxyTest, ClientResetResetsTheBackend) {
  start();
  connect_client();
  ASSERT_TRUE(pair_->run([&] { return backend_.sessions.size() == 1 && backend_.sessions[0]->connected; }));
  client_.stack->abort(*client_.connection);
  ASSERT_TRUE(pair_->run([&] { return backend_.sessions[0]->closed; }));
  EXPECT_EQ(backend_.sessions[0]->reason, tcp::CloseReason::kReset);
  EXPECT_EQ(proxy_->sessions_active(), 0u);
}

TEST_F(TcpProxyTest, BackendResetResetsTheClient) {
  start();
  connect_client();
  ASSERT_TRUE(pair_->run([&] { return backend_.sessions.size() == 1; }));
  backend_.stack->abort(*backend_.sessions[0]->connection);
  ASSERT_TRUE(pair_->run([&] { return client_.closed; }));
  EXPECT_EQ(client_.reason, tcp::CloseReason::kReset);
  EXPECT_EQ(proxy_->sessions_active(), 0u);
}

TEST_F(TcpProxyTest, DeadBackendResetsTheClientPromptly) {
  start({}, {{TcpPair::kAddress[0], 9}});  // nothing listens on port 9
  const uint64_t start_us = pair_->now;
  connect_client();
  ASSERT_TRUE(pair_->run([&] { return client_.closed; }, 5'000'000));
  EXPECT_EQ(client_.reason, tcp::CloseReason::kReset);
  EXPECT_LT(pair_->now - start_us, 1'000'000u);
  EXPECT_EQ(proxy_->counters().backend_failures.get(), 1u);
  EXPECT_EQ(proxy_->sessions_active(), 0u);
}

TEST_F(TcpProxyTest, RoundRobinOverTargets) {
  start({}, {{TcpPair::kAddress[0], kBackendPort}, {TcpPair::kAddress[0], kBackendPort}});
  RecordingHandler second;
  second.stack = &pair_->client();
  second.now = &pair_->now;
  connect_client();
  pair_->client().connect(TcpPair::kAddress[0], TcpPair::kAddress[1], kListenPort, &second, pair_->now);
  ASSERT_TRUE(pair_->run([&] { return backend_.sessions.size() == 2; }));
  EXPECT_EQ(proxy_->counters().backend_connects.get(), 2u);
}

}  // namespace
}  // namespace tollgate::proxy
