// Config generations on a worker-like object without DPDK: generations are built from configs by the code
// main uses (build_generation) over the simulated TCP link — stack 0 holds the clients and the targets
// (HttpBackend on 198.18.0.2:8080-8082), stack 1 runs the listeners — and swapped by GenerationSet as the
// worker swaps them. New connections follow the new rules; a connection opened before keeps its generation,
// gets `Connection: close` on its next response and is closed after it; the old generation retires once its
// last connection is gone, or is closed at its drain deadline; unchanged parts are kept, not drained;
// counters in the segment never go backwards across the swap.
#include "dataplane/generation_set.h"

#include <gtest/gtest.h>

#include "dataplane/generation.h"
#include "engine/tls/aead_engine.h"
#include "tests/unit/dataplane/shm_fixture.h"
#include "tests/unit/proxy/http_backend.h"
#include "tests/unit/tcp/tcp_harness.h"
#include "tests/unit/tls/test_certificates.h"

namespace tollgate::dataplane {
namespace {

using proxy::testing::HttpBackend;
using tcp::testing::RecordingHandler;
using tcp::testing::TcpPair;

// Rule /api/* → pool `api_pool`; everything else → web (8082). A tcp listener on 7000 → echo.
std::string config_text(const std::string& api_pool, uint32_t web_weight, uint32_t drain_ms = 60000) {
  return R"([dataplane]
config_drain_timeout_ms = )" +
         std::to_string(drain_ms) + R"(

[[port]]
name = "front"
iface = "tg-front"
ipv4 = "198.18.0.1/24"

[[pool]]
name = "api"
targets = ["198.18.0.2:8080", "198.18.0.2:8081"]

[[pool]]
name = "web"
targets = [{ address = "198.18.0.2:8082", weight = )" +
         std::to_string(web_weight) + R"( }]

[[pool]]
name = "echo"
targets = ["198.18.0.2:7001"]

[[listener]]
name = "tcp"
protocol = "tcp"
address = "198.18.0.1"
port = 7000
pool = "echo"

[[listener]]
name = "app"
protocol = "http"
address = "198.18.0.1"
port = 80
default_action = { type = "forward", pool = "web" }

[[listener.rule]]
priority = 10
path = "/api/*"
action = { type = "forward", pool = ")" +
         api_pool + R"(" }
)";
}

class Generations : public ShmFixture {
 protected:
  void SetUp() override {
    ShmFixture::SetUp();
    baseline_ = tcp::testing::live_buffers();
    pair_ = std::make_unique<TcpPair>(tcp::TcpConfig{}, 5, 256);
    const uint16_t ports[3] = {8080, 8081, 8082};
    for (int i = 0; i < 3; ++i) {
      backends_[i].stack = &pair_->client();
      backends_[i].now = &pair_->now;
      backends_[i].name = "b" + std::to_string(i);
      ASSERT_TRUE(pair_->client().listen(TcpPair::kAddress[0], ports[i], &backends_[i], 0));
    }
    core_.stack = &pair_->server();
    core_.now_us = &pair_->now;
    core_.ports = {*net::Ipv4Prefix::parse("198.18.0.1/24")};
    core_.max_sessions = 64;
    set_ = std::make_unique<GenerationSet>(pair_->server(), nullptr);
  }
  void TearDown() override {
    set_.reset();
    held_.clear();
    pair_.reset();
    EXPECT_EQ(tcp::testing::live_buffers(), baseline_) << "leaked packet buffers";
  }

  std::unique_ptr<Generation> build(const std::string& text, uint64_t number) {
    ConfigLoad load = load_config_string(text, "/tmp/generations.toml", FileChecks::kSkip);
    EXPECT_TRUE(load.config) << load.errors[0].to_string();
    auto config = std::make_shared<const DataplaneConfig>(std::move(*load.config));
    const Generation* running = set_->started() ? &set_->current() : nullptr;
    Result<std::unique_ptr<Generation>> g =
        build_generation(core_, config, number, {}, running, pair_->now, 0);
    EXPECT_TRUE(g) << g.error();
    return g ? std::move(g.value()) : nullptr;
  }
  void start(const std::string& text) {
    std::string error;
    ASSERT_TRUE(set_->start(build(text, 0), error)) << error;
  }

  RecordingHandler& connect() {
    clients_.push_back(std::make_unique<RecordingHandler>());
    RecordingHandler& c = *clients_.back();
    c.stack = &pair_->client();
    c.now = &pair_->now;
    pair_->client().connect(TcpPair::kAddress[0], TcpPair::kAddress[1], 80, &c, pair_->now);
    EXPECT_TRUE(pair_->run([&] { return c.connected || c.closed; }));
    return c;
  }
  // Sends a request and waits for its whole response (Content-Length), running the generations' timers.
  std::string exchange(RecordingHandler& c, const std::string& path) {
    const size_t before = c.received.size();
    EXPECT_TRUE(tcp::testing::write_all(c, *pair_, "GET " + path + " HTTP/1.1\r\nHost: h\r\n\r\n"));
    std::string response;
    run([&] {
      if (c.received.size() <= before) return c.closed;
      response = c.received.substr(before);
      const size_t end = response.find("\r\n\r\n");
      if (end == std::string::npos) return c.closed;
      const std::string length = HttpBackend::field(response.substr(0, end + 4), "content-length");
      return response.size() >= end + 4 + (length.empty() ? 0 : std::stoul(length)) || c.closed;
    });
    return response;
  }
  // Steps the link and the generations' timers; a client the proxy closed closes its side too (as curl
  // and browsers do).
  bool run(const std::function<bool()>& until, uint64_t max_us = 10'000'000) {
    return pair_->run(
        [&] {
          set_->expire(pair_->now);
          for (auto& c : clients_) {
            if (c->peer_closed && !c->shut && c->connection) {
              c->shut = true;
              pair_->client().shutdown(*c->connection, pair_->now);
            }
          }
          return until();
        },
        max_us);
  }
  uint64_t listener_requests() {
    set_->export_stats(port().view());
    return port().view().listeners[1][shm::ListenerCounter::kRequests].get();
  }

  std::unique_ptr<TcpPair> pair_;
  HttpBackend backends_[3];
  CoreResources core_;
  std::unique_ptr<GenerationSet> set_;
  std::vector<std::unique_ptr<RecordingHandler>> clients_;
  std::vector<std::unique_ptr<Generation>> held_;
  int baseline_ = 0;
};

TEST_F(Generations, NewConnectionsFollowTheNewRulesOldOnesFinishOnTheirsAndClose) {
  start(config_text("api", 1));
  RecordingHandler& before = connect();
  std::string r = exchange(before, "/api/1");
  EXPECT_NE(r.find("X-Backend: b0"), std::string::npos) << r;
  EXPECT_EQ(r.find("Connection: close"), std::string::npos) << r;
  EXPECT_EQ(listener_requests(), 1u);

  // Generation 1: /api/* goes to web. Nothing is kept of the HTTP side (a rule changed); the tcp listener
  // is the same object.
  std::unique_ptr<Generation> next = build(config_text("web", 3), 1);
  EXPECT_EQ(next->rebuilt, 1u);
  EXPECT_EQ(next->l4[0].get(), set_->current().l4[0].get());
  set_->adopt(std::move(next), pair_->now);
  EXPECT_EQ(set_->current().number, 1u);
  EXPECT_EQ(set_->draining(), 1u);
  EXPECT_EQ(set_->oldest(), 0u);

  // A new connection: the new rule, kept alive.
  RecordingHandler& after = connect();
  r = exchange(after, "/api/2");
  EXPECT_NE(r.find("X-Backend: b2"), std::string::npos) << r;
  EXPECT_EQ(r.find("Connection: close"), std::string::npos) << r;
  // The old connection: its own generation's rule, then Connection: close and the connection closes.
  r = exchange(before, "/api/3");
  EXPECT_NE(r.find("X-Backend: b1"), std::string::npos) << r;  // api's round robin goes on
  EXPECT_NE(r.find("Connection: close"), std::string::npos) << r;
  EXPECT_TRUE(run([&] { return before.closed; }));
  EXPECT_FALSE(after.closed);
  // Its last connection gone, generation 0 retires and is handed over to be freed.
  EXPECT_TRUE(run([&] { return set_->draining() == 0; }));
  EXPECT_EQ(set_->oldest(), 1u);
  std::unique_ptr<Generation> retired = set_->take_retired();
  ASSERT_TRUE(retired);
  EXPECT_EQ(retired->number, 0u);
  EXPECT_EQ(set_->take_retired(), nullptr);
  retired.reset();  // the tcp listener lives on in generation 1
  // The segment's counters went on across the swap: requests of both generations, the rule's matches.
  EXPECT_EQ(listener_requests(), 3u);
  EXPECT_EQ(port().view().rules[0][shm::RuleCounter::kMatches].get(), 3u);
  EXPECT_EQ(port().view().targets[2][shm::TargetCounter::kRequests].get(), 1u);  // web: the new rule
  EXPECT_EQ(port().view().targets[0][shm::TargetCounter::kRequests].get() +
                port().view().targets[1][shm::TargetCounter::kRequests].get(),
            2u);
  r = exchange(after, "/other");
  EXPECT_NE(r.find("X-Backend: b2"), std::string::npos) << r;
  EXPECT_EQ(listener_requests(), 4u);
}

TEST_F(Generations, AnIdleOldConnectionIsClosedAtTheDrainDeadline) {
  start(config_text("api", 1));
  RecordingHandler& idle = connect();
  exchange(idle, "/api/1");
  set_->adopt(build(config_text("web", 1, 200), 1), pair_->now);
  const uint64_t adopted_at = pair_->now;
  // Idle and untouched: left open until the deadline (not at once: a request may be on its way).
  run([&] { return idle.closed; }, 150'000);
  EXPECT_FALSE(idle.closed);
  EXPECT_EQ(set_->draining(), 1u);
  EXPECT_TRUE(run([&] { return idle.closed; }, 1'000'000));
  EXPECT_GE(pair_->now - adopted_at, 200'000u);
  EXPECT_EQ(idle.reason, tcp::CloseReason::kNormal);  // closed, not reset: it was idle
  EXPECT_TRUE(run([&] { return set_->draining() == 0; }));
  EXPECT_TRUE(set_->take_retired());
}

TEST_F(Generations, AConnectionMidRequestAtTheDeadlineIsReset) {
  start(config_text("api", 1));
  backends_[0].mode = HttpBackend::Mode::kSilent;  // the request never gets an answer
  RecordingHandler& stuck = connect();
  ASSERT_TRUE(tcp::testing::write_all(stuck, *pair_, "GET /api/1 HTTP/1.1\r\nHost: h\r\n\r\n"));
  run([] { return false; }, 20'000);
  set_->adopt(build(config_text("web", 1, 100), 1), pair_->now);
  EXPECT_TRUE(run([&] { return stuck.closed; }, 1'000'000));
  EXPECT_NE(stuck.reason, tcp::CloseReason::kNormal);
  EXPECT_TRUE(run([&] { return set_->draining() == 0; }));
}

TEST_F(Generations, AnUnchangedConfigKeepsEveryPartAndDrainsNothing) {
  start(config_text("api", 1));
  RecordingHandler& c = connect();
  exchange(c, "/api/1");
  std::unique_ptr<Generation> same = build(config_text("api", 1), 1);
  EXPECT_EQ(same->rebuilt, 0u);
  EXPECT_EQ(same->http.get(), set_->current().http.get());
  set_->adopt(std::move(same), pair_->now);
  // Generation 0 owns nothing any more: it retires at once; the connection goes on, kept alive.
  set_->expire(pair_->now);
  EXPECT_EQ(set_->draining(), 0u);
  EXPECT_TRUE(set_->take_retired());
  const std::string r = exchange(c, "/api/2");
  EXPECT_EQ(r.find("Connection: close"), std::string::npos) << r;
  EXPECT_FALSE(c.closed);
  EXPECT_EQ(listener_requests(), 2u);
}

// The clients are 198.18.0.2. A list without them resets their SYNs, counted on the listener's block; a
// reload that allows them is adopted at once (the stack takes the new generation's list with its handler)
// and the count carries over.
// One balancing per pool on the core: every listener on a pool picks from the generation's TargetPool of
// it, and a reload keeps the TargetPool of a pool whose targets and algorithm stay (a changed pool gets a
// new one), so a kept listener still picks from the pool the new generation has.
TEST_F(Generations, EveryListenerOfAPoolPicksFromTheCoresOneTargetPool) {
  start(config_text("api", 1));
  Generation& g = set_->current();
  ASSERT_EQ(g.pools.size(), 3u);
  ASSERT_EQ(g.l4.size(), 1u);
  EXPECT_EQ(&g.l4[0]->forwarder().targets(), g.pools[2].get());  // the tcp listener, on echo
  for (uint32_t p = 0; p < 3; ++p) EXPECT_EQ(&g.http->upstreams->targets(p), g.pools[p].get());
  std::unique_ptr<Generation> next = build(config_text("api", 2), 1);  // web's weight changes
  ASSERT_TRUE(next);
  EXPECT_EQ(next->pools[0], g.pools[0]);  // api and echo as they were: the same TargetPools
  EXPECT_EQ(next->pools[2], g.pools[2]);
  EXPECT_NE(next->pools[1], g.pools[1]);  // web changed: a new one
  EXPECT_EQ(next->l4[0], g.l4[0]);        // the tcp listener is kept, on the kept pool
  EXPECT_NE(next->http, g.http);          // rebuilt: its pools are the new generation's
  for (uint32_t p = 0; p < 3; ++p) EXPECT_EQ(&next->http->upstreams->targets(p), next->pools[p].get());
}

// A target's drain waits for what a draining generation still has outstanding to it, counted once: in the
// draining generation's own TargetPool when its pool changed, in the current one when the pool was kept.
TEST_F(Generations, ADrainingGenerationsOutstandingCountsOnceOnItsTarget) {
  start(config_text("api", 1));
  const std::shared_ptr<balancing::TargetPool> api = set_->current().pools[0];
  const std::shared_ptr<balancing::TargetPool> old_web = set_->current().pools[1];
  set_->adopt(build(config_text("api", 2), 1), pair_->now);  // web's weight changes, api is kept
  ASSERT_EQ(set_->draining(), 1u);
  const EntityIndex& index = *set_->current().index;
  const uint32_t web_target = index.first_target(1), api_second = index.first_target(0) + 1;
  old_web->begin(0);  // the old generation's request in flight to web's target
  api->begin(1);      // and one to api's second target, whose TargetPool the new generation shares
  EXPECT_EQ(set_->older_busy(web_target), 1u);
  EXPECT_EQ(set_->older_busy(api_second), 0u);
  EXPECT_EQ(set_->current().pools[0]->target(1).outstanding, 1u);
  EXPECT_EQ(set_->current().pools[1]->target(0).outstanding, 0u);
  old_web->end(0);
  api->end(1);
  EXPECT_EQ(set_->older_busy(web_target), 0u);
}

TEST_F(Generations, AllowListsAreAdoptedLiveAndDeniedSynsCounted) {
  const std::string base = config_text("api", 1);
  const auto with_list = [&](const std::string& list) {
    std::string t = base;
    const std::string at = "port = 80\n";
    t.replace(t.find(at), at.size(), at + "allowed_clients = " + list + "\n");
    return t;
  };
  start(with_list("[\"198.18.0.9/32\"]"));
  RecordingHandler& denied = connect();
  EXPECT_TRUE(denied.closed);
  EXPECT_EQ(denied.reason, tcp::CloseReason::kRefused);
  set_->export_stats(port().view());
  EXPECT_EQ(port().view().listeners[1][shm::ListenerCounter::kConnectionsDenied].get(), 1u);
  EXPECT_EQ(port().view().listeners[0][shm::ListenerCounter::kConnectionsDenied].get(), 0u);

  // The refused client is the listener's latest allow-list sample, for the control plane's log line.
  const auto allow_list = static_cast<size_t>(shm::RefusalReason::kAllowedClients);
  EXPECT_EQ(port().view().refusals[1].latest[allow_list].load(), TcpPair::kAddress[0].value);
  EXPECT_EQ(port().view().refusals[0].latest[allow_list].load(), 0u);

  set_->adopt(build(with_list("[\"198.18.0.0/24\"]"), 1), pair_->now);
  RecordingHandler& allowed = connect();
  EXPECT_TRUE(allowed.connected);
  EXPECT_NE(exchange(allowed, "/api/1").find("200"), std::string::npos);
  set_->export_stats(port().view());
  EXPECT_EQ(port().view().listeners[1][shm::ListenerCounter::kConnectionsDenied].get(), 1u);
}

// client_limits on the http listener: a second connection from the client while it holds one is reset at
// accept, a second request within the second is answered 429. Both reach the listener's block (not the tcp
// listener's), each with the client as the latest refused address; the core's defences hold the stack's.
TEST_F(Generations, ClientLimitRefusalsReachTheListenersBlockWithTheirClient) {
  std::string text = config_text("api", 1);
  const std::string at = "port = 80\n";
  text.replace(text.find(at), at.size(),
               at + "client_limits = { connections = 1, requests_per_second = 1 }\n");
  start(text);
  RecordingHandler& first = connect();
  EXPECT_NE(exchange(first, "/api/1").find("200"), std::string::npos);
  EXPECT_NE(exchange(first, "/api/2").find("429"), std::string::npos);
  RecordingHandler& second = connect();
  EXPECT_TRUE(run([&] { return second.closed; }));

  set_->export_stats(port().view());
  using L = shm::ListenerCounter;
  const shm::ListenerStats& app = port().view().listeners[1];
  EXPECT_EQ(app[L::kClientConnectionsRefused].get(), 1u);
  EXPECT_EQ(app[L::kClientRequestsRateLimited].get(), 1u);
  EXPECT_EQ(app[L::kClientConnectionsRateLimited].get(), 0u);
  EXPECT_EQ(port().view().listeners[0][L::kClientConnectionsRefused].get(), 0u);
  const shm::RefusalSamples& samples = port().view().refusals[1];
  const uint32_t client = TcpPair::kAddress[0].value;
  EXPECT_EQ(samples.latest[static_cast<size_t>(shm::RefusalReason::kClientConnections)].load(), client);
  EXPECT_EQ(samples.latest[static_cast<size_t>(shm::RefusalReason::kClientRequestRate)].load(), client);
  EXPECT_EQ(samples.latest[static_cast<size_t>(shm::RefusalReason::kClientConnectionRate)].load(), 0u);
  EXPECT_EQ((*port().view().defences)[shm::DefenceCounter::kTcpSynCookiesSent].get(),
            pair_->server().counters().syn_cookies_sent.get());
}

TEST_F(Generations, ReloadsFasterThanDrainsCloseTheOldest) {
  start(config_text("api", 1));
  std::vector<RecordingHandler*> idle;
  for (uint64_t g = 1; g <= GenerationSet::kMaxGenerations; ++g) {
    idle.push_back(&connect());
    exchange(*idle.back(), "/api/x");  // pins generation g - 1
    set_->adopt(build(config_text(g % 2 ? "web" : "api", static_cast<uint32_t>(g)), g), pair_->now);
  }
  // Generations 0..7 draining plus the current 8 are one too many: generation 0 is closed now.
  EXPECT_TRUE(run([&] { return idle[0]->closed; }, 100'000));
  EXPECT_TRUE(run([&] { return set_->draining() == GenerationSet::kMaxGenerations - 1; }, 100'000));
  EXPECT_EQ(set_->oldest(), 1u);
  EXPECT_FALSE(idle[1]->closed);
}

// Certificate reload: a tls listener of the current generation takes the offered context for its new
// handshakes, and the one it replaces comes back with the listener's handshake timeout (how long the
// worker keeps it); an offer for a listener that is not tls/https is dropped and nothing comes back.
TEST_F(Generations, ReplaceContextSwapsATlsListenersContextAndGivesTheOldOneBack) {
  const std::string dir = ::testing::TempDir();
  const tls::CertificateFiles files =
      tls::testing::make_certificate(dir, "replace-context", tls::testing::KeyType::kEcdsaP256,
                                     "lab.tollgate.test", "DNS:lab.tollgate.test");
  tls::AeadEngine aead;
  core_.aead = &aead;
  start(config_text("api", 1) + R"(
[[listener]]
name = "tls"
protocol = "tls"
address = "198.18.0.1"
port = 8443
pool = "echo"
handshake_timeout_ms = 3000
certificates = [{ chain = ")" +
        files.chain_pem + R"(", key = ")" + files.key_pem + R"(" }]
)");
  const auto fresh = [&] {
    std::string error;
    std::unique_ptr<tls::ServerContext> c =
        tls::ServerContext::create({files}, tls::SecurityPolicy::kDefault, error);
    EXPECT_TRUE(c) << error;
    return c;
  };
  std::unique_ptr<tls::ServerContext> first = fresh();
  const tls::ServerContext* installed = first.get();
  GenerationSet::ReplacedContext old = set_->replace_context(2, std::move(first));
  ASSERT_NE(old.context, nullptr) << "the start-up context comes back";
  EXPECT_NE(old.context.get(), installed);
  EXPECT_EQ(old.handshake_timeout_us, 3'000'000u);
  old = set_->replace_context(2, fresh());
  EXPECT_EQ(old.context.get(), installed) << "the context offered first was the listener's until now";

  EXPECT_EQ(set_->replace_context(0, fresh()).context, nullptr) << "listener 0 is a tcp listener";
  EXPECT_EQ(set_->replace_context(1, fresh()).context, nullptr) << "listener 1 is an http listener";
  EXPECT_EQ(set_->replace_context(7, fresh()).context, nullptr) << "no listener 7";
  set_.reset();  // before the AEAD engine its TLS layer uses
  std::remove(files.chain_pem.c_str());
  std::remove(files.key_pem.c_str());
}

}  // namespace
}  // namespace tollgate::dataplane
