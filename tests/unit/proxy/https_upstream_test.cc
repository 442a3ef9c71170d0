// The HTTP proxy towards HTTPS targets ("end-to-end encryption") between two simulated stacks: stack 0
// holds a plaintext HTTP client and an OpenSSL TLS server answering HTTP (TlsHttpTarget); stack 1 runs
// the proxy, whose pool speaks TLS through a client-role TlsTerminator. Checks verification against the
// pool's CA and name, reuse of verified connections, bodies both ways through our record layer, the
// target's KeyUpdate and NewSessionTickets, and a target that closes an idle connection.
#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <filesystem>
#include <memory>
#include <string>

#include "engine/proxy/http_proxy.h"
#include "engine/proxy/tls_terminator.h"
#include "engine/tls/client_context.h"
#include "tests/unit/proxy/http_backend.h"
#include "tests/unit/proxy/tls_http_target.h"
#include "tests/unit/tcp/tcp_harness.h"
#include "tests/unit/tls/test_certificates.h"

namespace tollgate::proxy {
namespace {

using tcp::testing::RecordingHandler;
using tcp::testing::TcpPair;
using testing::HttpBackend;
using testing::TlsHttpTarget;

constexpr uint16_t kListenPort = 80;
constexpr uint16_t kTargetPort = 8443;
constexpr const char* kTargetName = "backend.test";

struct TargetOptions {
  int max_version = TLS1_3_VERSION;
  std::string client_ca;  // the pool's CA bundle; empty: the target's own certificate
  std::string server_name = kTargetName;
  double loss = 0;
};

class HttpsUpstreamTest : public ::testing::Test {
 protected:
  void SetUp() override {
    baseline_ = tcp::testing::live_buffers();
    dir_ = std::filesystem::temp_directory_path() / ("tollgate-https-upstream-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    // Self-signed: the target's certificate is its own CA; "other" is a CA it does not chain to.
    target_cert_ = tls::testing::make_certificate(dir_.string(), "target", tls::testing::KeyType::kEcdsaP256,
                                                  kTargetName, std::string("DNS:") + kTargetName);
    other_cert_ = tls::testing::make_certificate(dir_.string(), "other", tls::testing::KeyType::kEcdsaP256,
                                                 kTargetName, std::string("DNS:") + kTargetName);
  }
  void TearDown() override {
    proxy_.reset();
    upstreams_.reset();
    tls_.reset();
    pair_.reset();
    if (target_ctx_) SSL_CTX_free(target_ctx_);
    std::filesystem::remove_all(dir_);
    EXPECT_EQ(tcp::testing::live_buffers(), baseline_) << "leaked packet buffers";
  }

  void start(const TargetOptions& o = {}) {
    pair_ = std::make_unique<TcpPair>(tcp::TcpConfig{}, 11, 256);
    for (auto& l : pair_->link) l.loss = o.loss;
    target_ctx_ = SSL_CTX_new(TLS_server_method());
    SSL_CTX_set_max_proto_version(target_ctx_, o.max_version);
    ASSERT_EQ(SSL_CTX_use_certificate_chain_file(target_ctx_, target_cert_.chain_pem.c_str()), 1);
    ASSERT_EQ(SSL_CTX_use_PrivateKey_file(target_ctx_, target_cert_.key_pem.c_str(), SSL_FILETYPE_PEM), 1);
    target_.ctx = target_ctx_;
    target_.stack = &pair_->client();
    target_.now = &pair_->now;
    ASSERT_TRUE(pair_->client().listen(TcpPair::kAddress[0], kTargetPort, &target_, 0));

    tls::ClientSettings cs;
    cs.ca_file = o.client_ca.empty() ? target_cert_.chain_pem : o.client_ca;
    cs.server_name = o.server_name;
    std::string why;
    client_context_ = tls::ClientContext::create(cs, why);
    ASSERT_TRUE(client_context_) << why;
    tls_ = std::make_unique<TlsTerminator>(pair_->server(), engine_, 64, pair_->now);

    std::vector<UpstreamPoolSettings> pools(1);
    pools[0].name = "secure";
    pools[0].source = TcpPair::kAddress[1];
    targets_ = std::make_unique<balancing::TargetPool>(
        std::vector<balancing::TargetState>{{TcpPair::kAddress[0], kTargetPort, 1}},
        balancing::Algorithm::kRoundRobin, 3);
    pools[0].targets = targets_.get();
    pools[0].response_timeout_us = 5'000'000;
    pools[0].tls = client_context_.get();
    upstreams_ =
        std::make_unique<UpstreamPools>(pair_->server(), tls_.get(), std::move(pools), 64, pair_->now);

    auto table = routing::RouteTable::compile({}, routing::Action{routing::ForwardAction{{{0, 1}}}});
    ASSERT_TRUE(table.ok()) << table.error();
    routes_ = std::make_unique<routing::RouteTable>(std::move(table.value()));
    HttpListenerSettings settings;
    settings.name = "test";
    settings.port = kListenPort;
    settings.routes = routes_.get();
    settings.limits.max_body_bytes = 8 << 20;
    auto scratch = routing::RouteScratch::for_table(*routes_);
    ASSERT_TRUE(scratch.ok()) << scratch.error();
    proxy_ = std::make_unique<HttpProxy>(pair_->server(), *upstreams_, settings, std::move(scratch.value()),
                                         16, pair_->now);
    ASSERT_TRUE(pair_->server().listen(TcpPair::kAddress[1], kListenPort, proxy_.get(), 0));

    client_.stack = &pair_->client();
    client_.now = &pair_->now;
    pair_->client().connect(TcpPair::kAddress[0], TcpPair::kAddress[1], kListenPort, &client_, pair_->now);
    ASSERT_TRUE(run_until([&] { return client_.connected || client_.closed; }));
  }

  // What the worker does every poll iteration: the TLS layer's batch.
  bool run_until(const std::function<bool()>& done, uint64_t max_us = 60'000'000) {
    return pair_->run(
        [&] {
          tls_->flush();
          return done();
        },
        max_us);
  }

  void send(const std::string& data) {
    ASSERT_TRUE(tcp::testing::write_all(client_, *pair_, data, 1400, [&] { tls_->flush(); })) << "stalled";
  }

  // The next complete response (Content-Length framed) from the client's stream, removed from it.
  std::string response() {
    std::string out;
    run_until([&] {
      const size_t end = client_.received.find("\r\n\r\n");
      if (end == std::string::npos) return client_.closed;
      const std::string length = HttpBackend::field(client_.received.substr(0, end + 2), "content-length");
      const size_t n = length.empty() ? 0 : std::stoul(length);
      if (client_.received.size() < end + 4 + n) return client_.closed;
      out = client_.received.substr(0, end + 4 + n);
      client_.received.erase(0, end + 4 + n);
      return true;
    });
    return out;
  }

  static std::string body(const std::string& response) {
    return response.substr(response.find("\r\n\r\n") + 4);
  }
  static bool ok(const std::string& response) { return response.rfind("HTTP/1.1 200 ", 0) == 0; }
  uint64_t failures(tls::HandshakeFailure f) const {
    return tls_->counters().failures_by_reason[static_cast<size_t>(f)].get();
  }

  std::filesystem::path dir_;
  tls::CertificateFiles target_cert_, other_cert_;
  SSL_CTX* target_ctx_ = nullptr;
  TlsHttpTarget target_;
  tls::AeadEngine engine_;
  std::unique_ptr<tls::ClientContext> client_context_;
  std::unique_ptr<TcpPair> pair_;
  std::unique_ptr<TlsTerminator> tls_;
  std::unique_ptr<balancing::TargetPool> targets_;  // the pool's balancing: upstreams_ references it
  std::unique_ptr<UpstreamPools> upstreams_;
  std::unique_ptr<routing::RouteTable> routes_;
  std::unique_ptr<HttpProxy> proxy_;
  RecordingHandler client_;
  int baseline_ = 0;
};

TEST_F(HttpsUpstreamTest, RequestsRideOneVerifiedConnection) {
  start();
  for (int i = 1; i <= 3; ++i) {
    send("GET /item/" + std::to_string(i) + " HTTP/1.1\r\nHost: shop.example\r\n\r\n");
    const std::string r = response();
    ASSERT_TRUE(ok(r)) << r;
    EXPECT_EQ(body(r), "conn=0 req=" + std::to_string(i) + " path=/item/" + std::to_string(i) + " body=0\n");
  }
  EXPECT_EQ(target_.accepted, 1u);
  EXPECT_EQ(target_.handshakes, 1u);
  EXPECT_EQ(tls_->counters().handshakes.get(), 1u);
  EXPECT_EQ(upstreams_->counters().reuses.get(), 2u);
  // OpenSSL's TLS 1.3 server sends its tickets after our Finished: opened and skipped by our record layer.
  EXPECT_GE(tls_->counters().tickets_skipped.get(), 1u);
  EXPECT_EQ(tls_->counters().record_errors.get(), 0u);
}

TEST_F(HttpsUpstreamTest, Tls12TargetWorks) {
  TargetOptions o;
  o.max_version = TLS1_2_VERSION;
  start(o);
  send("GET /a HTTP/1.1\r\nHost: h\r\n\r\n");
  const std::string r = response();
  ASSERT_TRUE(ok(r)) << r;
  EXPECT_EQ(body(r), "conn=0 req=1 path=/a body=0\n");
}

TEST_F(HttpsUpstreamTest, BodiesBothWaysOverALossyLink) {
  TargetOptions o;
  o.loss = 0.02;
  start(o);
  const std::string upload(1 << 20, 'u');
  send("POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: " + std::to_string(upload.size()) + "\r\n\r\n" +
       upload);
  std::string r = response();
  ASSERT_TRUE(ok(r)) << r.substr(0, 200);
  EXPECT_EQ(body(r), "conn=0 req=1 path=/upload body=1048576\n");
  const size_t big = 3'000'000;
  send("GET /big/" + std::to_string(big) + " HTTP/1.1\r\nHost: h\r\n\r\n");
  r = response();
  ASSERT_TRUE(ok(r)) << r.substr(0, 200);
  EXPECT_TRUE(body(r) == testing::big_body(big)) << "download differs";
  EXPECT_EQ(target_.handshakes, 1u);
}

TEST_F(HttpsUpstreamTest, TargetKeyUpdatesAreFollowed) {
  start();
  target_.key_update_before_response = true;
  for (int i = 1; i <= 2; ++i) {
    send("GET /k HTTP/1.1\r\nHost: h\r\n\r\n");
    const std::string r = response();
    ASSERT_TRUE(ok(r)) << r;
  }
  // Each update asked for ours in return: both directions moved to new keys twice.
  EXPECT_EQ(tls_->counters().key_updates.get(), 2u);
  EXPECT_EQ(tls_->counters().record_errors.get(), 0u);
}

TEST_F(HttpsUpstreamTest, IdleConnectionClosedByTheTargetIsReplaced) {
  start();
  send("GET /1 HTTP/1.1\r\nHost: h\r\n\r\n");
  ASSERT_TRUE(ok(response()));
  target_.close_all();
  ASSERT_TRUE(run_until([&] { return upstreams_->open_connections() == 0; }));
  send("GET /2 HTTP/1.1\r\nHost: h\r\n\r\n");
  const std::string r = response();
  ASSERT_TRUE(ok(r)) << r;
  EXPECT_EQ(body(r), "conn=1 req=1 path=/2 body=0\n");
  EXPECT_EQ(tls_->counters().handshakes.get(), 2u);
}

TEST_F(HttpsUpstreamTest, CertificateFromAnotherCaIsRefused) {
  TargetOptions o;
  o.client_ca = other_cert_.chain_pem;
  start(o);
  send("GET /x HTTP/1.1\r\nHost: h\r\n\r\n");
  const std::string r = response();
  EXPECT_EQ(r.rfind("HTTP/1.1 502 ", 0), 0u) << r;
  EXPECT_EQ(target_.requests, 0u);
  EXPECT_EQ(tls_->counters().handshakes.get(), 0u);
  // Refused twice: the request is retried once (on the pool's only target).
  EXPECT_EQ(failures(tls::HandshakeFailure::kBadCertificate), 2u);
  EXPECT_EQ(upstreams_->counters().connect_failures.get(), 2u);
}

TEST_F(HttpsUpstreamTest, CertificateForAnotherNameIsRefused) {
  TargetOptions o;
  o.server_name = "other.test";
  start(o);
  send("GET /x HTTP/1.1\r\nHost: h\r\n\r\n");
  const std::string r = response();
  EXPECT_EQ(r.rfind("HTTP/1.1 502 ", 0), 0u) << r;
  EXPECT_EQ(target_.requests, 0u);
  EXPECT_GE(failures(tls::HandshakeFailure::kCertificateNameMismatch), 1u);
}

}  // namespace
}  // namespace tollgate::proxy
