// The HTTP proxy between two simulated stacks: stack 0 holds the client and the targets (HttpBackend on
// ports 8080-8082), stack 1 runs the proxy on port 80 with a small rule set.
#include "engine/proxy/http_proxy.h"

#include <gtest/gtest.h>

#include "tests/unit/proxy/http_backend.h"
#include "tests/unit/tcp/tcp_harness.h"

namespace tollgate::proxy {
namespace {

using tcp::testing::RecordingHandler;
using tcp::testing::TcpPair;
using testing::HttpBackend;

constexpr uint16_t kListenPort = 80;

routing::Action forward_to(uint32_t pool) {
  return routing::Action{routing::ForwardAction{{{pool, 1}}}};
}

class HttpProxyTest : public ::testing::Test {
 protected:
  void SetUp() override { baseline_ = tcp::testing::live_buffers(); }
  void TearDown() override {
    proxy_.reset();
    upstreams_.reset();
    pair_.reset();
    EXPECT_EQ(tcp::testing::live_buffers(), baseline_) << "leaked packet buffers";
  }

  // Pool 0 "api": targets 8080 and 8081; pool 1 "web": 8082. Port 9 has no listener (refused).
  void start(bool refused_first_api_target = false, AccessLogRing* log = nullptr) {
    pair_ = std::make_unique<TcpPair>(tcp::TcpConfig{}, 5, 256);
    const uint16_t ports[3] = {8080, 8081, 8082};
    for (int i = 0; i < 3; ++i) {
      backends_[i].stack = &pair_->client();
      backends_[i].now = &pair_->now;
      backends_[i].name = "b" + std::to_string(i);
      ASSERT_TRUE(pair_->client().listen(TcpPair::kAddress[0], ports[i], &backends_[i], 0));
    }
    std::vector<UpstreamPoolSettings> pools(2);
    pools[0].name = "api";
    pools[0].source = pools[1].source = TcpPair::kAddress[1];
    targets_[0] = std::make_unique<balancing::TargetPool>(
        std::vector<balancing::TargetState>{
            {TcpPair::kAddress[0], refused_first_api_target ? uint16_t{9} : uint16_t{8080}, 1},
            {TcpPair::kAddress[0], 8081, 1}},
        balancing::Algorithm::kRoundRobin, 7);
    pools[0].targets = targets_[0].get();
    pools[0].response_timeout_us = 2'000'000;
    pools[1].name = "web";
    targets_[1] = std::make_unique<balancing::TargetPool>(
        std::vector<balancing::TargetState>{{TcpPair::kAddress[0], 8082, 1}},
        balancing::Algorithm::kRoundRobin, 8);
    pools[1].targets = targets_[1].get();
    pools[1].response_timeout_us = 2'000'000;
    upstreams_ = std::make_unique<UpstreamPools>(pair_->server(), nullptr, std::move(pools), 128, pair_->now);

    std::vector<routing::Rule> rules(3);
    rules[0].priority = 10;
    rules[0].path = routing::PathCondition{routing::PathMatch::kGlob, {"/api/*"}};
    rules[0].action = forward_to(0);
    rules[1].priority = 5;
    rules[1].path = routing::PathCondition{routing::PathMatch::kExact, {"/fixed"}};
    rules[1].action = routing::Action{routing::FixedResponseAction{418, "text/plain", "short and stout\n"}};
    rules[2].priority = 7;
    rules[2].host = routing::HostCondition{{"old.example"}};
    routing::RedirectAction redirect;
    redirect.protocol = "https";
    redirect.host = "new.example";
    rules[2].action = routing::Action{redirect};
    auto table = routing::RouteTable::compile(rules, forward_to(1));
    ASSERT_TRUE(table.ok()) << table.error();
    routes_ = std::make_unique<routing::RouteTable>(std::move(table.value()));

    HttpListenerSettings settings;
    settings.name = "test";
    settings.port = kListenPort;
    settings.routes = routes_.get();
    settings.header_timeout_us = 1'000'000;
    settings.idle_timeout_us = 5'000'000;
    settings.limits.max_head_bytes = 4096;
    settings.limits.max_body_bytes = 4 << 20;
    settings.access_log = log;
    settings.normalize_path = normalize_path_;
    settings.xff = xff_;
    settings.listener_index = 3;
    settings.unix_offset_us = 1'700'000'000'000'000;
    settings.client_limits = client_limits_;
    auto scratch = routing::RouteScratch::for_table(*routes_);
    ASSERT_TRUE(scratch.ok()) << scratch.error();
    proxy_ = std::make_unique<HttpProxy>(pair_->server(), *upstreams_, settings, std::move(scratch.value()),
                                         64, pair_->now);
    ASSERT_TRUE(pair_->server().listen(TcpPair::kAddress[1], kListenPort, proxy_.get(), 0));
    pair_->after_step = [this] { proxy_->run_deferred(); };
  }

  RecordingHandler& connect_client() {
    RecordingHandler& c = tcp::testing::connect_recording(*pair_, clients_, kListenPort);
    EXPECT_TRUE(c.connected || c.closed);
    return c;
  }

  void send(RecordingHandler& c, const std::string& data) {
    ASSERT_TRUE(tcp::testing::write_all(c, *pair_, data)) << "stalled";
  }

  // Waits for `count` complete responses (heads with Content-Length bodies) on the client.
  std::vector<std::string> responses(RecordingHandler& c, size_t count, uint64_t max_us = 10'000'000) {
    std::vector<std::string> out;
    pair_->run(
        [&] {
          out = split(c.received);
          return out.size() >= count || c.closed;
        },
        max_us);
    return out;
  }

  static uint64_t samples(const shm::LatencyHistogram& h) {
    uint64_t n = 0;
    for (const Counter& b : h.buckets) n += b.get();
    return n;
  }

  static std::vector<std::string> split(const std::string& stream) {
    std::vector<std::string> out;
    size_t at = 0;
    while (at < stream.size()) {
      const size_t end = stream.find("\r\n\r\n", at);
      if (end == std::string::npos) break;
      const std::string head = stream.substr(at, end + 4 - at);
      const std::string length = HttpBackend::field(head, "content-length");
      const size_t n = length.empty() ? 0 : std::stoul(length);
      if (stream.size() < end + 4 + n) break;
      out.push_back(stream.substr(at, end + 4 + n - at));
      at = end + 4 + n;
    }
    return out;
  }

  std::unique_ptr<TcpPair> pair_;
  std::unique_ptr<balancing::TargetPool> targets_[2];  // the pools' balancing: upstreams_ references them
  std::unique_ptr<UpstreamPools> upstreams_;
  std::unique_ptr<routing::RouteTable> routes_;
  std::unique_ptr<HttpProxy> proxy_;
  HttpBackend backends_[3];
  net::ClientLimits client_limits_;  // set before start()
  std::vector<std::unique_ptr<RecordingHandler>> clients_;
  int baseline_ = 0;
  bool normalize_path_ = true;
  http::XffMode xff_ = http::XffMode::kAppend;
};

TEST_F(HttpProxyTest, ForwardsWithForwardedHeadersAndHostPreserved) {
  start();
  RecordingHandler& c = connect_client();
  send(c,
       "GET /api/items?x=1 HTTP/1.1\r\nHost: shop.example\r\nUser-Agent: t\r\n"
       "X-Forwarded-For: 203.0.113.9\r\nX-Forwarded-Proto: forged\r\n\r\n");
  auto r = responses(c, 1);
  ASSERT_EQ(r.size(), 1u) << c.received;
  EXPECT_EQ(r[0].rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << r[0];
  ASSERT_EQ(backends_[0].requests.size() + backends_[1].requests.size(), 1u);
  const std::string head =
      backends_[0].requests.empty() ? backends_[1].requests[0].head : backends_[0].requests[0].head;
  EXPECT_EQ(head.rfind("GET /api/items?x=1 HTTP/1.1\r\n", 0), 0u) << head;
  EXPECT_EQ(HttpBackend::field(head, "host"), "shop.example");
  EXPECT_EQ(HttpBackend::field(head, "x-forwarded-for"), "203.0.113.9, 198.18.0.2");
  EXPECT_EQ(HttpBackend::field(head, "x-forwarded-proto"), "http");
  EXPECT_EQ(HttpBackend::field(head, "x-forwarded-port"), "80");
  const std::string id = HttpBackend::field(head, "x-request-id");
  EXPECT_EQ(id.size(), 32u) << head;
  EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos) << head;
  EXPECT_EQ(HttpBackend::field(head, "user-agent"), "t");
  EXPECT_EQ(proxy_->counters().forwarded.get(), 1u);
}

TEST_F(HttpProxyTest, RoutesByPathToTheirPools) {
  start();
  RecordingHandler& c = connect_client();
  send(c, "GET /api/a HTTP/1.1\r\nHost: h\r\n\r\nGET /index.html HTTP/1.1\r\nHost: h\r\n\r\n");
  auto r = responses(c, 2);
  ASSERT_EQ(r.size(), 2u) << c.received;
  EXPECT_NE(r[0].find("X-Backend: b0"), std::string::npos) << r[0];  // round robin starts at 8080
  EXPECT_NE(r[1].find("X-Backend: b2"), std::string::npos) << r[1];
  ASSERT_EQ(backends_[2].requests.size(), 1u);
  EXPECT_EQ(backends_[2].requests[0].head.rfind("GET /index.html HTTP/1.1\r\n", 0), 0u);
  // Counted per rule (table position: priorities 5, 7, 10; the default action is none), per target, and
  // timed per request and per target response.
  const auto rules = proxy_->rule_counters();
  ASSERT_EQ(rules.size(), 3u);
  EXPECT_EQ(rules[2].matches.get(), 1u);
  EXPECT_EQ(rules[2].forwarded.get(), 1u);
  EXPECT_EQ(rules[0].matches.get() + rules[1].matches.get(), 0u);
  for (const auto& [pool, target] : {std::pair{0u, 0}, std::pair{1u, 0}}) {
    const TargetCounters& t = upstreams_->target_counters(pool, target);
    EXPECT_EQ(t.requests.get(), 1u);
    EXPECT_EQ(t.responses_by_class[2].get(), 1u);
    EXPECT_GT(t.bytes_sent.get(), 0u);
    EXPECT_GT(t.bytes_received.get(), 0u);
    EXPECT_EQ(samples(t.response_time), 1u);
    EXPECT_EQ(t.connects.get(), 1u);
    EXPECT_EQ(upstreams_->open_connections(pool, target), 1u);  // kept alive
  }
  EXPECT_EQ(upstreams_->target_counters(0, 1).requests.get(), 0u);
  EXPECT_EQ(samples(proxy_->counters().request_time), 2u);
  // A drain closes the target's idle connections.
  upstreams_->close_idle(1, 0);
  pair_->run([&] { return upstreams_->open_connections(1, 0) == 0; });
  EXPECT_EQ(upstreams_->open_connections(1, 0), 0u);
}

TEST_F(HttpProxyTest, NoEligibleTargetGets503CountedOnThePool) {
  start();
  upstreams_->targets(0).set_healthy(0, false);
  upstreams_->targets(0).set_target(1, true, 0);  // weight 0: no new requests either
  RecordingHandler& c = connect_client();
  send(c, "GET /api/x HTTP/1.1\r\nHost: h\r\n\r\n");
  auto r = responses(c, 1);
  ASSERT_EQ(r.size(), 1u) << c.received;
  EXPECT_EQ(r[0].rfind("HTTP/1.1 503 ", 0), 0u) << r[0];
  EXPECT_EQ(upstreams_->pool_counters(0).no_target.get(), 1u);
  EXPECT_TRUE(backends_[0].requests.empty() && backends_[1].requests.empty());
}

TEST_F(HttpProxyTest, KeepAliveReusesTheUpstreamConnection) {
  start();
  RecordingHandler& c = connect_client();
  for (int i = 0; i < 5; ++i) {
    send(c, "GET /page HTTP/1.1\r\nHost: h\r\n\r\n");
    ASSERT_EQ(responses(c, static_cast<size_t>(i + 1)).size(), static_cast<size_t>(i + 1));
  }
  EXPECT_EQ(backends_[2].requests.size(), 5u);
  EXPECT_EQ(backends_[2].accepted, 1u) << "one upstream connection for five requests";
  EXPECT_EQ(upstreams_->counters().reuses.get(), 4u);
  // A second client gets the same idle connection.
  RecordingHandler& d = connect_client();
  send(d, "GET /page HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_EQ(responses(d, 1).size(), 1u);
  EXPECT_EQ(backends_[2].accepted, 1u);
}

TEST_F(HttpProxyTest, PipelinedRequestsAreAnsweredInOrder) {
  start();
  RecordingHandler& c = connect_client();
  std::string all;
  for (int i = 0; i < 8; ++i) all += "GET /p" + std::to_string(i) + " HTTP/1.1\r\nHost: h\r\n\r\n";
  send(c, all);
  auto r = responses(c, 8);
  ASSERT_EQ(r.size(), 8u) << c.received;
  for (int i = 0; i < 8; ++i) {
    EXPECT_NE(r[static_cast<size_t>(i)].find("GET /p" + std::to_string(i) + " HTTP/1.1"), std::string::npos);
  }
}

TEST_F(HttpProxyTest, FixedResponseAndRedirectAreAnsweredHere) {
  start();
  RecordingHandler& c = connect_client();
  send(c, "GET /fixed HTTP/1.1\r\nHost: h\r\n\r\nGET /a/b?q=1 HTTP/1.1\r\nHost: old.example:80\r\n\r\n");
  auto r = responses(c, 2);
  ASSERT_EQ(r.size(), 2u) << c.received;
  EXPECT_EQ(r[0].rfind("HTTP/1.1 418 ", 0), 0u) << r[0];
  EXPECT_EQ(HttpBackend::field(r[0], "content-type"), "text/plain");
  EXPECT_EQ(r[0].substr(r[0].find("\r\n\r\n") + 4), "short and stout\n");
  EXPECT_EQ(r[1].rfind("HTTP/1.1 301 ", 0), 0u) << r[1];
  EXPECT_EQ(HttpBackend::field(r[1], "location"), "https://new.example:80/a/b?q=1");
  EXPECT_EQ(proxy_->counters().fixed_responses.get(), 1u);
  EXPECT_EQ(proxy_->counters().redirects.get(), 1u);
  EXPECT_EQ(proxy_->rule_counters()[0].fixed_responses.get(), 1u);  // priority 5
  EXPECT_EQ(proxy_->rule_counters()[1].redirects.get(), 1u);        // priority 7
  EXPECT_EQ(samples(proxy_->counters().request_time), 2u);
  for (auto& b : backends_) EXPECT_TRUE(b.requests.empty());
}

TEST_F(HttpProxyTest, ChunkedUploadAndDownloadStreamThrough) {
  start();
  backends_[2].chunked_response = true;
  backends_[2].response_body_bytes = 150000;
  RecordingHandler& c = connect_client();
  std::string body;
  std::string req = "POST /upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 50; ++i) {
    const std::string piece(1000 + i, static_cast<char>('a' + i % 26));
    char size[16];
    std::snprintf(size, sizeof size, "%zx", piece.size());
    req += std::string(size) + "\r\n" + piece + "\r\n";
    body += piece;
  }
  req += "0\r\n\r\n";
  send(c, req);
  ASSERT_TRUE(pair_->run([&] { return c.received.find("0\r\n\r\n") != std::string::npos; }, 20'000'000));
  ASSERT_EQ(backends_[2].requests.size(), 1u);
  EXPECT_EQ(backends_[2].requests[0].body, body);
  EXPECT_EQ(HttpBackend::field(backends_[2].requests[0].head, "transfer-encoding"), "chunked");
  EXPECT_NE(c.received.find("Transfer-Encoding: chunked"), std::string::npos);
  // The chunked response arrives verbatim: 150 chunks of 1000 bytes.
  size_t data = 0;
  for (size_t at = c.received.find("\r\n\r\n") + 4;;) {
    const size_t eol = c.received.find("\r\n", at);
    const size_t n = std::stoul(c.received.substr(at, eol - at), nullptr, 16);
    if (n == 0) break;
    data += n;
    at = eol + 2 + n + 2;
  }
  EXPECT_EQ(data, 150000u);
  // The connection stays usable.
  send(c, "GET /after HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_TRUE(pair_->run([&] { return backends_[2].requests.size() == 2; }));
}

TEST_F(HttpProxyTest, LargeBodyWithContentLengthStreamsWithBackPressure) {
  start();
  RecordingHandler& c = connect_client();
  const std::string body(3 << 20, 'z');
  send(c,
       "PUT /big HTTP/1.1\r\nHost: h\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
  auto r = responses(c, 1, 60'000'000);
  ASSERT_EQ(r.size(), 1u);
  ASSERT_EQ(backends_[2].requests.size(), 1u);
  EXPECT_TRUE(backends_[2].requests[0].body == body);
  EXPECT_EQ(proxy_->counters().bytes_from_clients.get(), body.size());
}

TEST_F(HttpProxyTest, SmugglingVectorIsRefusedAndNothingReachesTheTarget) {
  start();
  RecordingHandler& c = connect_client();
  send(c,
       "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
       "0\r\n\r\nGET /admin HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_TRUE(pair_->run([&] { return c.peer_closed || c.closed; }));
  EXPECT_EQ(c.received.rfind("HTTP/1.1 400 ", 0), 0u) << c.received;
  EXPECT_NE(c.received.find("Connection: close"), std::string::npos);
  for (auto& b : backends_) EXPECT_TRUE(b.requests.empty());
  EXPECT_EQ(proxy_->counters().local_errors[static_cast<size_t>(LocalStatus::k400)].get(), 1u);
}

// Spellings of /api/x that a raw-path match would send past the /api/* rule (to the default pool, 8082):
// each is matched, and forwarded, as /api/x.
TEST_F(HttpProxyTest, PathSpellingsCannotEscapeAPathRule) {
  start();
  RecordingHandler& c = connect_client();
  const std::vector<std::string> spellings = {"/%61pi/x",      "/./api/x",        "//api/x",
                                              "/foo/../api/x", "/%2e%2E/api/%78", "/api/x"};
  std::string pipelined;
  for (const std::string& p : spellings) pipelined += "GET " + p + "?q=%2e HTTP/1.1\r\nHost: h\r\n\r\n";
  send(c, pipelined);
  auto r = responses(c, spellings.size());
  ASSERT_EQ(r.size(), spellings.size()) << c.received;
  EXPECT_TRUE(backends_[2].requests.empty());
  ASSERT_EQ(backends_[0].requests.size() + backends_[1].requests.size(), spellings.size());
  for (int i : {0, 1}) {
    for (const auto& req : backends_[i].requests)
      EXPECT_EQ(req.head.rfind("GET /api/x?q=%2e HTTP/1.1\r\n", 0), 0u) << req.head;
  }
  EXPECT_EQ(proxy_->counters().paths_normalized.get(), spellings.size() - 1);
}

TEST_F(HttpProxyTest, PathNormalisationCanBeTurnedOff) {
  normalize_path_ = false;
  start();
  RecordingHandler& c = connect_client();
  send(c, "GET //api/x HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_EQ(responses(c, 1).size(), 1u) << c.received;
  ASSERT_EQ(backends_[2].requests.size(), 1u);  // the default pool: the raw path is not /api/*
  EXPECT_EQ(backends_[2].requests[0].head.rfind("GET //api/x HTTP/1.1\r\n", 0), 0u);
  EXPECT_EQ(proxy_->counters().paths_normalized.get(), 0u);
}

TEST_F(HttpProxyTest, InvalidPercentEncodingGets400) {
  start();
  for (const char* target : {"/%zz", "/%0", "/api/%", "/a%2"}) {
    RecordingHandler& c = connect_client();
    send(c, std::string("GET ") + target + " HTTP/1.1\r\nHost: h\r\n\r\n");
    ASSERT_TRUE(pair_->run([&] { return c.peer_closed || c.closed; }));
    EXPECT_EQ(c.received.rfind("HTTP/1.1 400 ", 0), 0u) << target << ": " << c.received;
  }
  for (auto& b : backends_) EXPECT_TRUE(b.requests.empty());
}

TEST_F(HttpProxyTest, XffRemoveSendsNoneAndForgedFieldsAreDropped) {
  xff_ = http::XffMode::kRemove;
  start();
  RecordingHandler& c = connect_client();
  send(c,
       "GET / HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 203.0.113.9\r\nX_Forwarded_For: 203.0.113.9\r\n"
       "X-Real-IP: 203.0.113.9\r\nForwarded: for=203.0.113.9\r\nX-Forwarded-Host: evil\r\n\r\n");
  ASSERT_EQ(responses(c, 1).size(), 1u) << c.received;
  ASSERT_EQ(backends_[2].requests.size(), 1u);
  const std::string& head = backends_[2].requests[0].head;
  EXPECT_EQ(head.find("203.0.113.9"), std::string::npos) << head;
  EXPECT_EQ(head.find("evil"), std::string::npos) << head;
  EXPECT_EQ(HttpBackend::field(head, "x-forwarded-proto"), "http");
  EXPECT_EQ(HttpBackend::field(head, "x-request-id").size(), 32u);
}

TEST_F(HttpProxyTest, OversizedHeadGets431) {
  start();
  RecordingHandler& c = connect_client();
  send(c, "GET / HTTP/1.1\r\nHost: h\r\nX-Big: " + std::string(5000, 'x') + "\r\n\r\n");
  ASSERT_TRUE(pair_->run([&] { return c.peer_closed || c.closed; }));
  EXPECT_EQ(c.received.rfind("HTTP/1.1 431 ", 0), 0u) << c.received;
}

TEST_F(HttpProxyTest, SlowHeadGets408) {
  start();
  RecordingHandler& c = connect_client();
  send(c, "GET / HTTP/1.1\r\nHost: h\r\n");
  for (int i = 0; i < 30 && !c.peer_closed; ++i) {
    pair_->run([&] { return c.peer_closed; }, 100'000);
    proxy_->expire(pair_->now);
  }
  EXPECT_EQ(c.received.rfind("HTTP/1.1 408 ", 0), 0u) << c.received;
  EXPECT_TRUE(c.peer_closed);
}

TEST_F(HttpProxyTest, RefusedTargetIsRetriedOnAnother) {
  start(/*refused_first_api_target=*/true);
  RecordingHandler& c = connect_client();
  send(c, "GET /api/x HTTP/1.1\r\nHost: h\r\n\r\n");
  auto r = responses(c, 1);
  ASSERT_EQ(r.size(), 1u) << c.received;
  EXPECT_NE(r[0].find("X-Backend: b1"), std::string::npos) << r[0];
  EXPECT_EQ(proxy_->counters().retries.get(), 1u);
  EXPECT_EQ(upstreams_->counters().connect_failures.get(), 1u);
  EXPECT_EQ(upstreams_->pool_counters(0).retries.get(), 1u);
  EXPECT_EQ(upstreams_->target_counters(0, 0).connect_failures.get(), 1u);
  EXPECT_EQ(upstreams_->target_counters(0, 0).requests.get(), 0u);  // its connect failed before the head
  EXPECT_EQ(upstreams_->target_counters(0, 1).requests.get(), 1u);
}

TEST_F(HttpProxyTest, SilentTargetGets504) {
  start();
  backends_[2].mode = HttpBackend::Mode::kSilent;
  RecordingHandler& c = connect_client();
  send(c, "GET / HTTP/1.1\r\nHost: h\r\n\r\n");
  for (int i = 0; i < 40 && !c.peer_closed; ++i) {
    pair_->run([&] { return c.peer_closed; }, 100'000);
    proxy_->expire(pair_->now);
  }
  EXPECT_EQ(c.received.rfind("HTTP/1.1 504 ", 0), 0u) << c.received;
  EXPECT_EQ(upstreams_->target_counters(1, 0).timeouts.get(), 1u);
}

TEST_F(HttpProxyTest, TargetClosingWithoutAnswerGets502) {
  start();
  backends_[2].mode = HttpBackend::Mode::kCloseWithoutAnswer;
  RecordingHandler& c = connect_client();
  send(c, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nhi");
  ASSERT_TRUE(pair_->run([&] { return c.peer_closed || c.closed; }));
  EXPECT_EQ(c.received.rfind("HTTP/1.1 502 ", 0), 0u) << c.received;
}

TEST_F(HttpProxyTest, StaleKeptAliveConnectionIsRetriedForABodilessRequest) {
  start();
  RecordingHandler& c = connect_client();
  send(c, "GET /one HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_EQ(responses(c, 1).size(), 1u);
  ASSERT_EQ(upstreams_->idle_connections(), 1u);
  // The target closes its side just as the next request goes out: it is answered on a new connection.
  backends_[2].mode = HttpBackend::Mode::kCloseWithoutAnswer;
  send(c, "GET /two HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_TRUE(pair_->run([&] { return backends_[2].requests.size() == 2; }));
  backends_[2].mode = HttpBackend::Mode::kRespond;
  auto r = responses(c, 2);
  ASSERT_EQ(r.size(), 2u) << c.received;
  EXPECT_NE(r[1].find("GET /two"), std::string::npos);
  EXPECT_EQ(backends_[2].accepted, 2u);
}

TEST_F(HttpProxyTest, IdleUpstreamConnectionsExpire) {
  start();
  RecordingHandler& c = connect_client();
  send(c, "GET / HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_EQ(responses(c, 1).size(), 1u);
  ASSERT_EQ(upstreams_->idle_connections(), 1u);
  upstreams_->expire(pair_->now + 61'000'000);
  EXPECT_EQ(upstreams_->idle_connections(), 0u);
  EXPECT_EQ(upstreams_->counters().idle_closed.get(), 1u);
}

TEST_F(HttpProxyTest, ConnectionCloseFromTheClientClosesAfterTheResponse) {
  start();
  RecordingHandler& c = connect_client();
  send(c, "GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\nGET /ignored HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_TRUE(pair_->run([&] { return c.peer_closed; }));
  auto r = split(c.received);
  ASSERT_EQ(r.size(), 1u) << c.received;
  EXPECT_NE(r[0].find("Connection: close"), std::string::npos);
  EXPECT_EQ(backends_[2].requests.size(), 1u);
  EXPECT_EQ(HttpBackend::field(backends_[2].requests[0].head, "connection"), "");
}

TEST_F(HttpProxyTest, HeadResponseHasNoBody) {
  start();
  RecordingHandler& c = connect_client();
  send(c, "HEAD / HTTP/1.1\r\nHost: h\r\n\r\nGET /next HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_TRUE(pair_->run([&] { return backends_[2].requests.size() == 2; }));
  ASSERT_TRUE(pair_->run([&] { return c.received.find("GET /next") != std::string::npos; }));
  // The HEAD response's Content-Length describes a body that is not sent; the next response follows.
  const size_t second = c.received.find("HTTP/1.1 200", 1);
  ASSERT_NE(second, std::string::npos);
  EXPECT_EQ(c.received.substr(0, second).find("GET / HTTP/1.1"), std::string::npos);
}

TEST_F(HttpProxyTest, TargetClosingAfterItsResponseIsNotReused) {
  start();
  backends_[2].close_after_response = true;
  RecordingHandler& c = connect_client();
  // Pipelined: each next request is ready the moment the previous response ends, before the target's FIN.
  send(c,
       "GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\nGET /c HTTP/1.1\r\nHost: "
       "h\r\n\r\n");
  ASSERT_EQ(responses(c, 3).size(), 3u) << c.received;
  EXPECT_EQ(backends_[2].accepted, 3u) << "Connection: close from the target: a new connection each time";
  EXPECT_EQ(upstreams_->counters().reuses.get(), 0u);
  EXPECT_EQ(proxy_->counters().retries.get(), 0u);
}

TEST_F(HttpProxyTest, Http10ClientIsForwardedAsHttp10) {
  start();
  RecordingHandler& c = connect_client();
  send(c, "GET /old HTTP/1.0\r\nHost: h\r\n\r\n");
  ASSERT_TRUE(pair_->run([&] { return c.peer_closed; }));
  ASSERT_EQ(backends_[2].requests.size(), 1u);
  EXPECT_EQ(backends_[2].requests[0].head.rfind("GET /old HTTP/1.0\r\n", 0), 0u);
  EXPECT_EQ(HttpBackend::field(backends_[2].requests[0].head, "connection"), "keep-alive");
  EXPECT_EQ(c.received.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << c.received;
  EXPECT_NE(c.received.find("Connection: close"), std::string::npos) << "a 1.0 client without keep-alive";
}

TEST_F(HttpProxyTest, AccessLogRecordsEachExchange) {
  AccessLogRing ring(64);
  start(false, &ring);
  RecordingHandler& c = connect_client();
  send(c,
       "GET /api/a?b=1 HTTP/1.1\r\nHost: h\r\nUser-Agent: probe/1\r\n\r\nGET /fixed HTTP/1.1\r\nHost: "
       "h\r\n\r\n");
  auto r = responses(c, 2);
  ASSERT_EQ(r.size(), 2u);
  send(c, "BAD\r\n\r\n");
  ASSERT_TRUE(pair_->run([&] { return c.peer_closed; }));
  AccessRecord out[8];
  ASSERT_EQ(ring.pop(out, 8), 3u);
  const AccessRecord& fwd = out[0];
  EXPECT_EQ(fwd.request_line.view(), "GET /api/a?b=1 HTTP/1.1");
  EXPECT_EQ(fwd.user_agent.view(), "probe/1");
  EXPECT_EQ(fwd.listener, 3);
  EXPECT_EQ(fwd.rule_priority, 10u);
  EXPECT_EQ(fwd.pool, 0);
  EXPECT_EQ(fwd.target_ip, TcpPair::kAddress[0].value);
  EXPECT_EQ(fwd.target_port, 8080);
  EXPECT_EQ(fwd.status, 200);
  EXPECT_EQ(fwd.target_status, 200);
  EXPECT_EQ(fwd.client_ip, TcpPair::kAddress[0].value);
  EXPECT_EQ(fwd.bytes_out, r[0].size());
  EXPECT_GE(fwd.time_unix_us, 1'700'000'000'000'000u);
  EXPECT_NE(fwd.target_processing_us, kNotApplicable);
  EXPECT_EQ(fwd.request_id.view().size(), 32u);
  EXPECT_NE(r[0].find(std::string(fwd.request_id.view())), std::string::npos) << "the id the target saw";
  const AccessRecord& fixed = out[1];
  EXPECT_EQ(fixed.status, 418);
  EXPECT_EQ(fixed.rule_priority, 5u);
  EXPECT_EQ(fixed.pool, -1);
  EXPECT_EQ(fixed.target_ip, 0u);
  EXPECT_EQ(fixed.target_processing_us, kNotApplicable);
  EXPECT_EQ(fixed.bytes_out, r[1].size());
  EXPECT_EQ(out[2].status, 400);
  EXPECT_TRUE(out[2].request_line.view().empty());
}

// A pipelined burst behind a forwarded request once overflowed the worker's stack: the end of each answer
// started the next request, which answered and started the next. They are now taken in a loop, at most a
// budget per event, the rest at the next poll: every one is answered, in order.
TEST_F(HttpProxyTest, DeepPipelineIsAnsweredInOrderByALoopNotByRecursion) {
  start();
  RecordingHandler& c = connect_client();
  constexpr size_t kLocal = 6000;
  std::string all = "GET /api/first HTTP/1.1\r\nHost: h\r\n\r\n";
  for (size_t i = 0; i < kLocal; ++i) all += "GET /fixed HTTP/1.1\r\nHost: h\r\n\r\n";
  all += "GET /api/last HTTP/1.1\r\nHost: h\r\n\r\n";
  send(c, all);
  auto r = responses(c, kLocal + 2, 120'000'000);
  ASSERT_EQ(r.size(), kLocal + 2);
  EXPECT_NE(r.front().find("GET /api/first"), std::string::npos);
  for (size_t i = 1; i <= kLocal; ++i) ASSERT_EQ(r[i].rfind("HTTP/1.1 418 ", 0), 0u) << i << ": " << r[i];
  EXPECT_NE(r.back().find("GET /api/last"), std::string::npos);
  EXPECT_FALSE(c.closed);
  EXPECT_EQ(proxy_->counters().requests.get(), kLocal + 2);
  EXPECT_GT(proxy_->counters().pipeline_deferred.get(), 0u) << "the budget per event was never reached";
}

// A client that pipelines without reading its answers stops being served once its answers fill the send
// buffer: it cannot make us hold more than that; when it reads, everything is answered.
TEST_F(HttpProxyTest, ClientNotReadingItsAnswersIsNotServedFurther) {
  start();
  RecordingHandler& c = connect_client();
  c.consume = false;
  constexpr size_t kRequests = 8000;
  std::string all;
  for (size_t i = 0; i < kRequests; ++i) all += "GET /fixed HTTP/1.1\r\nHost: h\r\n\r\n";
  send(c, all);
  pair_->run([] { return false; }, 5'000'000);
  const uint64_t taken = proxy_->counters().requests.get();
  EXPECT_LT(taken, kRequests);
  EXPECT_GT(proxy_->counters().pipeline_backpressure.get(), 0u);
  pair_->run([] { return false; }, 5'000'000);
  EXPECT_EQ(proxy_->counters().requests.get(), taken) << "served although nothing was read";
  c.consume = true;
  c.on_data(*c.connection);
  auto r = responses(c, kRequests, 120'000'000);
  EXPECT_EQ(r.size(), kRequests);
  EXPECT_FALSE(c.closed);
}

// CONNECT would make the balancer a forward proxy past every rule: it is answered here, never forwarded,
// and nothing after it reaches a target.
TEST_F(HttpProxyTest, ConnectIsRefusedWith405AndAllow) {
  start();
  RecordingHandler& c = connect_client();
  send(c,
       "CONNECT 198.18.0.2:8082 HTTP/1.1\r\nHost: 198.18.0.2:8082\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: "
       "internal\r\n\r\n");
  ASSERT_TRUE(pair_->run([&] { return c.peer_closed; }));
  EXPECT_EQ(c.received.rfind("HTTP/1.1 405 Method Not Allowed\r\n", 0), 0u) << c.received;
  EXPECT_EQ(HttpBackend::field(c.received, "allow"), "GET, HEAD, POST, PUT, DELETE, OPTIONS, PATCH");
  EXPECT_EQ(HttpBackend::field(c.received, "connection"), "close");
  EXPECT_EQ(c.received.find("HTTP/1.1", 1), std::string::npos) << "one answer only: " << c.received;
  for (auto& b : backends_) EXPECT_EQ(b.accepted, 0u);
  EXPECT_EQ(proxy_->counters().local_errors[static_cast<size_t>(LocalStatus::k405)].get(), 1u);
}

// RFC 9112 §9.3: an HTTP/1.0 client that asked for keep-alive and is kept open must be told so, or it
// waits for a close that never comes (ab -k against a fixed response hung).
TEST_F(HttpProxyTest, Http10KeepAliveClientIsToldItStaysOpenOnLocalAnswers) {
  start();
  RecordingHandler& c = connect_client();
  send(c, "GET /fixed HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  auto r = responses(c, 1);
  ASSERT_EQ(r.size(), 1u) << c.received;
  EXPECT_EQ(HttpBackend::field(r[0], "connection"), "keep-alive");
  send(c, "GET /fixed HTTP/1.0\r\n\r\n");
  ASSERT_TRUE(pair_->run([&] { return c.peer_closed; }));
  r = responses(c, 2);
  ASSERT_EQ(r.size(), 2u) << c.received;
  EXPECT_EQ(HttpBackend::field(r[1], "connection"), "close");
}

TEST_F(HttpProxyTest, HeadOfAFixedResponseHasItsLengthButNoBody) {
  start();
  RecordingHandler& c = connect_client();
  send(c, "HEAD /fixed HTTP/1.1\r\nHost: h\r\n\r\nGET /fixed HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_TRUE(pair_->run([&] { return c.received.find("short and stout") != std::string::npos; }));
  EXPECT_EQ(c.received.rfind("HTTP/1.1 418 ", 0), 0u);
  EXPECT_EQ(c.received.find("short and stout"), c.received.rfind("short and stout")) << c.received;
  EXPECT_EQ(c.received.find("HTTP/1.1 418 ", 1), c.received.find("\r\n\r\n") + 4) << c.received;
}

// A POST on a kept-alive connection the target closed may have been acted on: it is not sent again.
TEST_F(HttpProxyTest, StaleKeptAliveConnectionIsNotRetriedForAPost) {
  start();
  RecordingHandler& c = connect_client();
  send(c, "GET /one HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_EQ(responses(c, 1).size(), 1u);
  backends_[2].mode = HttpBackend::Mode::kCloseWithoutAnswer;
  send(c, "POST /two HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n");
  ASSERT_TRUE(pair_->run([&] { return c.peer_closed; }));
  EXPECT_NE(c.received.find("HTTP/1.1 502 "), std::string::npos) << c.received;
  EXPECT_EQ(backends_[2].requests.size(), 2u);
  EXPECT_EQ(backends_[2].accepted, 1u);
  EXPECT_EQ(proxy_->counters().retries.get(), 0u);
}

// An upload slower than the response timeout but steadily moving is not a late response: the timeout
// runs from the request's last byte.
TEST_F(HttpProxyTest, ResponseTimeoutStartsAfterTheLastBodyByte) {
  start();
  RecordingHandler& c = connect_client();
  send(c, "POST /up HTTP/1.1\r\nHost: h\r\nContent-Length: 6\r\n\r\n");
  for (int i = 0; i < 6; ++i) {
    for (int j = 0; j < 9; ++j) {  // 5.4 s in all, beyond the pool's 2 s response timeout
      pair_->run([] { return false; }, 100'000);
      proxy_->expire(pair_->now);
    }
    send(c, "x");
  }
  auto r = responses(c, 1);
  ASSERT_EQ(r.size(), 1u) << c.received;
  EXPECT_EQ(r[0].rfind("HTTP/1.1 200 ", 0), 0u) << r[0];
}

// A request body that stops moving is cut off after the idle timeout (408), its target connection closed.
TEST_F(HttpProxyTest, StalledUploadGets408AfterTheIdleTimeout) {
  start();
  RecordingHandler& c = connect_client();
  send(c, "POST /up HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\nonly some");
  for (int i = 0; i < 100 && !c.peer_closed; ++i) {  // the test listener's idle timeout: 5 s
    pair_->run([&] { return c.peer_closed; }, 100'000);
    proxy_->expire(pair_->now);
  }
  ASSERT_TRUE(c.peer_closed);
  EXPECT_EQ(c.received.rfind("HTTP/1.1 408 ", 0), 0u) << c.received;
  EXPECT_EQ(proxy_->counters().transfer_timeouts.get(), 1u);
}

// A client that stops reading in the middle of a large response pins the session, the target connection
// and their buffers: once nothing moved for the idle timeout, both are reset.
TEST_F(HttpProxyTest, ResponseThatStopsMovingIsResetAfterTheIdleTimeout) {
  start();
  backends_[2].response_body_bytes = 4 << 20;
  RecordingHandler& c = connect_client();
  c.consume = false;
  send(c, "GET /big HTTP/1.1\r\nHost: h\r\n\r\n");
  for (int i = 0; i < 200 && !c.closed; ++i) {  // the test listener's idle timeout: 5 s
    pair_->run([&] { return c.closed; }, 100'000);
    proxy_->expire(pair_->now);
  }
  EXPECT_TRUE(c.closed);
  EXPECT_EQ(c.reason, tcp::CloseReason::kReset);
  EXPECT_EQ(proxy_->counters().transfer_timeouts.get(), 1u);
  EXPECT_EQ(proxy_->sessions_active(), 0u);
  EXPECT_EQ(upstreams_->idle_connections(), 0u) << "a half-sent response's connection is not reusable";
}

TEST_F(HttpProxyTest, ClientOverItsRequestRateGets429WithRetryAfter) {
  client_limits_.requests_per_second = 2;
  start();
  RecordingHandler& c = connect_client();
  send(c,
       "GET /fixed HTTP/1.1\r\nHost: h\r\n\r\nGET /fixed HTTP/1.1\r\nHost: h\r\n\r\nGET /fixed "
       "HTTP/1.1\r\nHost: "
       "h\r\n\r\n");
  auto r = responses(c, 3);
  ASSERT_EQ(r.size(), 3u) << c.received;
  EXPECT_EQ(r[1].rfind("HTTP/1.1 418 ", 0), 0u);
  EXPECT_EQ(r[2].rfind("HTTP/1.1 429 Too Many Requests\r\n", 0), 0u) << r[2];
  EXPECT_EQ(HttpBackend::field(r[2], "retry-after"), "1");
  EXPECT_FALSE(c.peer_closed) << "a limited client keeps its connection";
  EXPECT_EQ(proxy_->client_limiter()->counters().requests_limited.get(), 1u);
  EXPECT_EQ(proxy_->counters().local_errors[static_cast<size_t>(LocalStatus::k429)].get(), 1u);
  pair_->run([] { return false; }, 1'000'000);
  send(c, "GET /fixed HTTP/1.1\r\nHost: h\r\n\r\n");
  r = responses(c, 4);
  ASSERT_EQ(r.size(), 4u) << c.received;
  EXPECT_EQ(r[3].rfind("HTTP/1.1 418 ", 0), 0u) << "served again once the rate allows";
}

TEST_F(HttpProxyTest, ClientOverItsConnectionLimitIsResetAndCountsDropWhenItCloses) {
  client_limits_.max_connections = 1;
  start();
  RecordingHandler& first = connect_client();
  send(first, "GET /fixed HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_EQ(responses(first, 1).size(), 1u);
  RecordingHandler& second = connect_client();
  ASSERT_TRUE(pair_->run([&] { return second.closed; }));
  EXPECT_EQ(second.reason, tcp::CloseReason::kRefused) << "not reset at its SYN";
  EXPECT_EQ(proxy_->client_limiter()->counters().connections_refused.get(), 1u);
  first.stack->shutdown(*first.connection, pair_->now);
  ASSERT_TRUE(pair_->run([&] { return first.closed; }));
  pair_->run([&] { return proxy_->sessions_active() == 0; });
  RecordingHandler& third = connect_client();
  send(third, "GET /fixed HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_EQ(responses(third, 1).size(), 1u) << "the closed connection no longer counts";
}

// A listener's limits are for requests: a response larger than a request may be is the target's business
// (it once got 502 for a body above max_body_bytes).
TEST_F(HttpProxyTest, ResponsesAreNotHeldToTheRequestLimits) {
  start();
  // Its Content-Length is above the listener's 4 MiB max_body_bytes (the test backend sends only what its
  // send buffer takes: the head is what matters here).
  backends_[2].response_body_bytes = (4 << 20) + 1000;
  RecordingHandler& c = connect_client();
  send(c, "GET /big HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_TRUE(pair_->run([&] { return c.received.size() > 100'000 || c.closed; }));
  EXPECT_EQ(c.received.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << c.received.substr(0, 200);
  EXPECT_EQ(HttpBackend::field(c.received.substr(0, c.received.find("\r\n\r\n") + 4), "content-length"),
            std::to_string((4 << 20) + 1000));
}

}  // namespace
}  // namespace tollgate::proxy
