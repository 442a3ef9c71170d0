// Health probes from the simulated stack 1 to targets on stack 0: a TCP port that listens or not, an HTTP
// target that answers, resets, closes or stays silent, and an OpenSSL HTTPS target.
#include "engine/proxy/health_prober.h"

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <filesystem>
#include <memory>
#include <vector>

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

struct Reports : ProbeSink {
  std::vector<ProbeReport> done;
  void probe_done(const ProbeReport& r) override { done.push_back(r); }
};

class HealthProberTest : public ::testing::Test {
 protected:
  void SetUp() override {
    baseline_ = tcp::testing::live_buffers();
    pair_ = std::make_unique<TcpPair>(tcp::TcpConfig{}, 3, 64);
    http_.stack = tcp_.stack = &pair_->client();
    http_.now = tcp_.now = &pair_->now;
    ASSERT_TRUE(pair_->client().listen(TcpPair::kAddress[0], 8080, &http_, 0));
    ASSERT_TRUE(pair_->client().listen(TcpPair::kAddress[0], 7000, &tcp_, 0));
    tls::ClientSettings insecure;
    insecure.verify = false;
    std::string why;
    insecure_ = tls::ClientContext::create(insecure, why);
    ASSERT_TRUE(insecure_) << why;
    tls_ = std::make_unique<TlsTerminator>(pair_->server(), engine_, 8, pair_->now);
    prober_ =
        std::make_unique<HealthProber>(pair_->server(), tls_.get(), insecure_.get(), reports_, 4, pair_->now);
  }
  void TearDown() override {
    prober_.reset();
    tls_.reset();
    pair_.reset();
    if (target_ctx_) SSL_CTX_free(target_ctx_);
    EXPECT_EQ(tcp::testing::live_buffers(), baseline_) << "leaked packet buffers";
  }

  ProbeReport probe(ProbeKind kind, uint16_t port, uint32_t timeout_ms = 2000) {
    ProbeSpec s;
    s.id = ++id_;
    s.pool = 1;
    s.target = 7;
    s.kind = kind;
    s.source = TcpPair::kAddress[1];
    s.address = TcpPair::kAddress[0];
    s.port = port;
    s.path = "/health";
    s.timeout_ms = timeout_ms;
    const size_t before = reports_.done.size();
    prober_->start(s);
    pair_->run(
        [&] {
          tls_->flush();
          prober_->expire(pair_->now);
          return reports_.done.size() > before && prober_->active() == 0;
        },
        10'000'000);
    EXPECT_EQ(reports_.done.size(), before + 1);
    const ProbeReport r = reports_.done.back();
    EXPECT_EQ(r.id, id_);
    EXPECT_EQ(r.pool, 1u);
    EXPECT_EQ(r.target, 7u);
    return r;
  }

  std::unique_ptr<TcpPair> pair_;
  HttpBackend http_;
  RecordingHandler tcp_;
  tls::AeadEngine engine_;
  std::unique_ptr<tls::ClientContext> insecure_;
  std::unique_ptr<TlsTerminator> tls_;
  Reports reports_;
  std::unique_ptr<HealthProber> prober_;
  SSL_CTX* target_ctx_ = nullptr;
  uint64_t id_ = 0;
  int baseline_ = 0;
};

TEST_F(HealthProberTest, TcpPassesWhenConnectedAndFailsWhenRefused) {
  ProbeReport r = probe(ProbeKind::kTcp, 7000);
  EXPECT_TRUE(r.passed);
  EXPECT_EQ(r.failure, ProbeFailure::kNone);
  r = probe(ProbeKind::kTcp, 7001);
  EXPECT_FALSE(r.passed);
  EXPECT_EQ(r.failure, ProbeFailure::kRefused);
  EXPECT_EQ(pair_->server().connection_count(), 0u);  // nothing left open
}

TEST_F(HealthProberTest, HttpReportsTheStatusLine) {
  const ProbeReport r = probe(ProbeKind::kHttp, 8080);
  EXPECT_TRUE(r.passed);
  EXPECT_EQ(r.status, 200);
  ASSERT_EQ(http_.requests.size(), 1u);
  EXPECT_EQ(http_.requests[0].head.rfind("GET /health HTTP/1.1\r\n", 0), 0u) << http_.requests[0].head;
  EXPECT_EQ(HttpBackend::field(http_.requests[0].head, "user-agent"), "tollgate-health");
  EXPECT_EQ(HttpBackend::field(http_.requests[0].head, "connection"), "close");
}

TEST_F(HealthProberTest, HttpFailures) {
  http_.mode = HttpBackend::Mode::kResetOnRequest;
  EXPECT_EQ(probe(ProbeKind::kHttp, 8080).failure, ProbeFailure::kReset);
  http_.mode = HttpBackend::Mode::kCloseWithoutAnswer;
  EXPECT_EQ(probe(ProbeKind::kHttp, 8080).failure, ProbeFailure::kReset);
  http_.mode = HttpBackend::Mode::kSilent;
  const uint64_t started = pair_->now;
  const ProbeReport r = probe(ProbeKind::kHttp, 8080, 500);
  EXPECT_EQ(r.failure, ProbeFailure::kTimeout);
  EXPECT_GE(pair_->now - started, 500'000u);
  EXPECT_LT(pair_->now - started, 600'000u);
  EXPECT_EQ(prober_->counters().timed_out.get(), 1u);
  EXPECT_EQ(probe(ProbeKind::kHttp, 8081).failure, ProbeFailure::kRefused);
}

TEST_F(HealthProberTest, HttpsProbeSkipsVerification) {
  const auto dir = std::filesystem::temp_directory_path() / ("tollgate-prober-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const tls::CertificateFiles cert = tls::testing::make_certificate(
      dir.string(), "target", tls::testing::KeyType::kEcdsaP256, "backend.test", "DNS:backend.test");
  target_ctx_ = SSL_CTX_new(TLS_server_method());
  ASSERT_EQ(SSL_CTX_use_certificate_chain_file(target_ctx_, cert.chain_pem.c_str()), 1);
  ASSERT_EQ(SSL_CTX_use_PrivateKey_file(target_ctx_, cert.key_pem.c_str(), SSL_FILETYPE_PEM), 1);
  std::filesystem::remove_all(dir);
  TlsHttpTarget target;
  target.ctx = target_ctx_;
  target.stack = &pair_->client();
  target.now = &pair_->now;
  ASSERT_TRUE(pair_->client().listen(TcpPair::kAddress[0], 8443, &target, 0));
  const ProbeReport r = probe(ProbeKind::kHttps, 8443);
  EXPECT_TRUE(r.passed);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(target.requests, 1u);
  EXPECT_EQ(probe(ProbeKind::kHttps, 8444).failure, ProbeFailure::kTls);  // nothing listens
}

TEST_F(HealthProberTest, SlotsAreBoundedAndReused) {
  // Four slots: a fifth concurrent probe is refused at once, not queued.
  http_.mode = HttpBackend::Mode::kSilent;
  ProbeSpec s;
  s.kind = ProbeKind::kHttp;
  s.source = TcpPair::kAddress[1];
  s.address = TcpPair::kAddress[0];
  s.port = 8080;
  s.timeout_ms = 300;
  for (uint64_t i = 1; i <= 5; ++i) {
    s.id = i;
    prober_->start(s);
  }
  ASSERT_EQ(reports_.done.size(), 1u);
  EXPECT_EQ(reports_.done[0].id, 5u);
  EXPECT_EQ(reports_.done[0].failure, ProbeFailure::kNoResources);
  pair_->run([&] {
    prober_->expire(pair_->now);
    return prober_->active() == 0 && pair_->server().connection_count() == 0;
  });
  EXPECT_EQ(reports_.done.size(), 5u);
  http_.mode = HttpBackend::Mode::kRespond;
  EXPECT_TRUE(probe(ProbeKind::kHttp, 8080).passed);
}

}  // namespace
}  // namespace tollgate::proxy
