// The TCP proxy between two simulated stacks: stack 0 holds the client and an echo backend (on another
// port), stack 1 runs the proxy, so every byte crosses the proxy twice in each direction.
#include "engine/proxy/tcp_proxy.h"

#include <gtest/gtest.h>

#include <functional>
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
    clients_.clear();
    pair_.reset();
    EXPECT_EQ(tcp::testing::live_buffers(), baseline_) << "leaked packet buffers";
  }

  void start(tcp::TcpConfig config = {}, std::vector<Target> targets = {}) {
    if (targets.empty()) targets.push_back({TcpPair::kAddress[0], kBackendPort});
    start_with(even_targets(targets), config);
  }

  void start_with(balancing::TargetPool targets, tcp::TcpConfig config = {}) {
    pair_ = std::make_unique<TcpPair>(config, 3);
    backend_.stack = &pair_->client();
    backend_.now = &pair_->now;
    ASSERT_TRUE(pair_->client().listen(TcpPair::kAddress[0], kBackendPort, &backend_, 0));
    pool_ = std::make_unique<balancing::TargetPool>(std::move(targets));
    proxy_ = std::make_unique<TcpProxy>(pair_->server(), TcpPair::kAddress[1], *pool_, 64, pair_->now,
                                        idle_timeout_us_);
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

  // Another client connection to the proxy, run until it is connected or closed.
  RecordingHandler& another_client() {
    RecordingHandler& c = tcp::testing::connect_recording(*pair_, clients_, kListenPort);
    EXPECT_TRUE(c.connected || c.closed);
    return c;
  }

  std::unique_ptr<TcpPair> pair_;
  std::unique_ptr<balancing::TargetPool> pool_;  // the proxy's targets: it references them
  std::unique_ptr<TcpProxy> proxy_;
  std::vector<std::unique_ptr<RecordingHandler>> clients_;
  EchoBackend backend_;
  RecordingHandler client_;
  int baseline_ = 0;
  uint64_t idle_timeout_us_ = kDefaultL4IdleTimeoutUs;
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

// Four targets that are all the one echo backend, so a session's target shows only in sessions_to().
balancing::TargetPool four_targets(std::vector<uint32_t> weights = {1, 1, 1, 1}) {
  std::vector<balancing::TargetState> t;
  for (uint32_t w : weights) t.push_back({TcpPair::kAddress[0], kBackendPort, w});
  return balancing::TargetPool(std::move(t), balancing::Algorithm::kRoundRobin, 1);
}

TEST_F(TcpProxyTest, NewConnectionsSkipUnhealthyDrainingAndWeightZeroTargets) {
  start_with(four_targets());
  balancing::TargetPool& t = proxy_->targets();
  t.set_target(0, false, 1);         // unhealthy
  t.set_target(1, false, 1, false);  // draining
  t.set_target(2, true, 0);          // weight 0
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(another_client().connected);
  ASSERT_TRUE(pair_->run([&] { return backend_.sessions.size() == 3; }));
  EXPECT_EQ(proxy_->sessions_to(0) + proxy_->sessions_to(1) + proxy_->sessions_to(2), 0u);
  EXPECT_EQ(proxy_->sessions_to(3), 3u);
  EXPECT_EQ(proxy_->counters().fail_open.get(), 0u);
}

TEST_F(TcpProxyTest, NewConnectionsFollowTheWeights) {
  start_with(four_targets({1, 3, 0, 0}));
  for (int i = 0; i < 8; ++i) another_client();
  ASSERT_TRUE(pair_->run([&] { return backend_.sessions.size() == 8; }));
  EXPECT_EQ(proxy_->sessions_to(0), 2u);
  EXPECT_EQ(proxy_->sessions_to(1), 6u);
  // A weight published live (as the health applier does) takes the next connections.
  proxy_->targets().set_target(0, true, 1);
  proxy_->targets().set_target(1, true, 1);
  for (int i = 0; i < 4; ++i) another_client();
  ASSERT_TRUE(pair_->run([&] { return backend_.sessions.size() == 12; }));
  EXPECT_EQ(proxy_->sessions_to(0), 4u);
  EXPECT_EQ(proxy_->sessions_to(1), 8u);
}

TEST_F(TcpProxyTest, NoHealthyTargetFailsOpenToAnUnhealthyOneInService) {
  start_with(four_targets());
  balancing::TargetPool& t = proxy_->targets();
  t.set_target(0, false, 1, false);  // disabled
  t.set_target(1, false, 1);         // unhealthy
  t.set_target(2, false, 1, false);  // draining
  t.set_target(3, false, 0);         // unhealthy, weight 0
  RecordingHandler& c = another_client();
  ASSERT_TRUE(c.connected);
  ASSERT_TRUE(tcp::testing::write_all(c, *pair_, "ping"));
  ASSERT_TRUE(pair_->run([&] { return c.received == "ping"; }));
  EXPECT_EQ(proxy_->sessions_to(1), 1u);
  EXPECT_EQ(proxy_->counters().fail_open.get(), 1u);
  EXPECT_EQ(proxy_->counters().no_target.get(), 0u);
}

TEST_F(TcpProxyTest, NoTargetInServiceResetsTheClient) {
  start_with(four_targets());
  for (int i = 0; i < 4; ++i) proxy_->targets().set_target(i, false, 1, false);  // drained or disabled
  RecordingHandler& c = another_client();
  ASSERT_TRUE(pair_->run([&] { return c.closed; }));
  EXPECT_EQ(c.reason, tcp::CloseReason::kReset);
  EXPECT_TRUE(backend_.sessions.empty());
  EXPECT_EQ(proxy_->counters().no_target.get(), 1u);
  EXPECT_EQ(proxy_->counters().fail_open.get(), 0u);
  EXPECT_EQ(proxy_->sessions_active(), 0u);
}

TEST_F(TcpProxyTest, HealthChangesLeaveEstablishedSessionsAlone) {
  start_with(four_targets({1, 0, 0, 0}));
  RecordingHandler& c = another_client();
  ASSERT_TRUE(pair_->run([&] { return backend_.sessions.size() == 1 && backend_.sessions[0]->connected; }));
  EXPECT_EQ(proxy_->sessions_to(0), 1u);
  proxy_->targets().set_target(0, false, 1, false);  // draining: no new connections, this one carries on
  ASSERT_TRUE(tcp::testing::write_all(c, *pair_, "still here"));
  ASSERT_TRUE(pair_->run([&] { return c.received == "still here"; }));
  EXPECT_FALSE(c.closed);
  EXPECT_EQ(proxy_->sessions_to(0), 1u);  // what a drain waits for
  c.stack->shutdown(*c.connection, pair_->now);
  ASSERT_TRUE(pair_->run([&] { return c.closed && proxy_->sessions_active() == 0; }, 120'000'000));
  EXPECT_EQ(c.reason, tcp::CloseReason::kNormal);
  EXPECT_EQ(proxy_->sessions_to(0), 0u);
}

// A session that moves no byte either way for the idle timeout is reset on both sides; one that keeps
// moving bytes, however slowly, is not.
TEST_F(TcpProxyTest, IdleSessionIsResetOnBothSides) {
  idle_timeout_us_ = 1'000'000;
  start();
  connect_client();
  ASSERT_TRUE(pair_->run([&] { return backend_.sessions.size() == 1 && backend_.sessions[0]->connected; }));
  const auto run_with_timers = [&](const std::function<bool()>& until, uint64_t max_us) {
    return pair_->run(
        [&] {
          proxy_->expire(pair_->now);
          return until();
        },
        max_us);
  };
  // A byte every 600 ms, echoed: bytes move both ways well within the timeout, for 3 s.
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(tcp::testing::write_all(client_, *pair_, "x"));
    run_with_timers([] { return false; }, 600'000);
    ASSERT_FALSE(client_.closed) << "reset while bytes were moving, after " << i + 1 << " bytes";
  }
  ASSERT_TRUE(tcp::testing::write_all(client_, *pair_, "y"));
  ASSERT_TRUE(run_with_timers([&] { return client_.received.size() == 6; }, 100'000));
  EXPECT_EQ(client_.received, "xxxxxy");
  const uint64_t quiet_from = pair_->now;  // the proxy moved the last byte a link delay ago
  ASSERT_TRUE(run_with_timers([&] { return client_.closed && backend_.sessions[0]->closed; }, 10'000'000))
      << "an idle session is never reset";
  EXPECT_GE(pair_->now - quiet_from, 900'000u);
  EXPECT_LE(pair_->now - quiet_from, 1'300'000u);
  EXPECT_EQ(client_.reason, tcp::CloseReason::kReset);
  EXPECT_EQ(backend_.sessions[0]->reason, tcp::CloseReason::kReset);
  EXPECT_EQ(proxy_->counters().idle_timeouts.get(), 1u);
  EXPECT_EQ(proxy_->sessions_active(), 0u);
  EXPECT_EQ(proxy_->sessions_to(0), 0u);
}

// Reset at its SYN (the proxy screens SYNs with its limits): refused, not reset after a handshake.
TEST_F(TcpProxyTest, ClientOverItsConnectionLimitIsResetAtItsSyn) {
  start();
  net::ClientLimits limits;
  limits.max_connections = 1;
  proxy_->set_client_limits(limits, 99);
  connect_client();
  ASSERT_TRUE(client_.connected);
  ASSERT_TRUE(pair_->run([&] { return backend_.sessions.size() == 1; }));
  RecordingHandler& second = another_client();
  ASSERT_TRUE(pair_->run([&] { return second.closed; }));
  EXPECT_EQ(second.reason, tcp::CloseReason::kRefused);
  EXPECT_EQ(proxy_->client_limiter()->counters().connections_refused.get(), 1u);
  EXPECT_EQ(backend_.sessions.size(), 1u) << "the refused client reached no backend";
  // Its count is given back when the first closes.
  pair_->client().shutdown(*client_.connection, pair_->now);
  ASSERT_TRUE(pair_->run([&] { return proxy_->sessions_active() == 0; }));
  RecordingHandler& third = another_client();
  pair_->run([] { return false; }, 100'000);
  EXPECT_FALSE(third.closed);
}

}  // namespace
}  // namespace tollgate::proxy
