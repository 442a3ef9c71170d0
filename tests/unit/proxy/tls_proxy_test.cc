// The TLS proxy between two simulated stacks: stack 0 holds a TLS client (OpenSSL over memory BIOs,
// riding a plain TCP connection) and an echo backend, stack 1 runs the proxy. Every byte is sealed or
// opened by our record layer on the way, so this checks handshake hand-over, records both ways,
// close_notify, KeyUpdate and a tampered record, also over a lossy link.
#include "engine/proxy/tls_proxy.h"

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <tuple>

#include "engine/tls/key_schedule.h"
#include "tests/unit/proxy/echo_backend.h"
#include "tests/unit/tcp/tcp_harness.h"
#include "tests/unit/tls/client_probes.h"
#include "tests/unit/tls/tls_test_util.h"

namespace tollgate::proxy {
namespace {

using tcp::testing::RecordingHandler;
using tcp::testing::TcpPair;

constexpr uint16_t kListenPort = 8443;
constexpr uint16_t kBackendPort = 7000;

using testing::EchoBackend;

// A self-signed P-256 certificate for lab.tollgate.test, written as PEM files in a temporary directory.
struct TestCertificate {
  std::filesystem::path dir;
  std::string chain, key;
  TestCertificate() {
    dir = std::filesystem::temp_directory_path() / ("tollgate-tls-proxy-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    chain = (dir / "cert.pem").string();
    key = (dir / "key.pem").string();
    EVP_PKEY* pkey = EVP_EC_gen("P-256");
    X509* x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), -60);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_set_pubkey(x, pkey);
    X509_NAME* name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("lab.tollgate.test"), -1, -1, 0);
    X509_set_issuer_name(x, name);
    X509V3_CTX v3;
    X509V3_set_ctx(&v3, x, x, nullptr, nullptr, 0);
    X509_EXTENSION* san = X509V3_EXT_conf_nid(nullptr, &v3, NID_subject_alt_name, "DNS:lab.tollgate.test");
    X509_add_ext(x, san, -1);
    X509_EXTENSION_free(san);
    X509_sign(x, pkey, EVP_sha256());
    FILE* f = std::fopen(chain.c_str(), "w");
    PEM_write_X509(f, x);
    std::fclose(f);
    f = std::fopen(key.c_str(), "w");
    PEM_write_PrivateKey(f, pkey, nullptr, nullptr, 0, nullptr, nullptr);
    std::fclose(f);
    X509_free(x);
    EVP_PKEY_free(pkey);
  }
  ~TestCertificate() { std::filesystem::remove_all(dir); }
};

class TlsClient;

struct TlsClientOptions {
  uint16_t record_size_limit = 0;  // offered (RFC 8449) when not 0
  std::string groups;              // supported groups, the first gets the key share; empty: OpenSSL's
  // Applied to every flight OpenSSL writes before it goes out (a client that cuts its records otherwise).
  std::function<std::string(TlsClient&, std::string)> rewrite;
};

TlsClientOptions with_limit(uint16_t limit) {
  TlsClientOptions o;
  o.record_size_limit = limit;
  return o;
}
TlsClientOptions with_groups(std::string groups) {
  TlsClientOptions o;
  o.groups = std::move(groups);
  return o;
}

// An OpenSSL client whose TLS bytes travel over a RecordingHandler's TCP connection.
class TlsClient {
 public:
  explicit TlsClient(int max_version, const TlsClientOptions& o = {}) : rewrite_(o.rewrite) {
    ctx_ = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_max_proto_version(ctx_, max_version);
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_NONE, nullptr);
    // The client's TLS 1.3 application traffic secret, for tests that write records of their own.
    SSL_CTX_set_keylog_callback(ctx_, [](const SSL* ssl, const char* line) {
      const std::string_view l(line);
      constexpr std::string_view kLabel = "CLIENT_TRAFFIC_SECRET_0 ";
      if (l.substr(0, kLabel.size()) != kLabel) return;
      static_cast<TlsClient*>(SSL_get_app_data(ssl))->traffic_secret_hex = l.substr(l.rfind(' ') + 1);
    });
    if (o.record_size_limit != 0) probes.offer_record_size_limit(ctx_, o.record_size_limit);
    ssl_ = SSL_new(ctx_);
    SSL_set_app_data(ssl_, this);
    if (!o.groups.empty()) {
      EXPECT_EQ(SSL_set1_groups_list(ssl_, o.groups.c_str()), 1);
    }
    probes.count_client_hellos(ssl_);
    rbio_ = BIO_new(BIO_s_mem());
    wbio_ = BIO_new(BIO_s_mem());
    SSL_set_bio(ssl_, rbio_, wbio_);
    SSL_set_tlsext_host_name(ssl_, "lab.tollgate.test");
    SSL_set_connect_state(ssl_);
  }
  ~TlsClient() {
    SSL_free(ssl_);
    SSL_CTX_free(ctx_);
  }

  // Moves bytes between the TCP connection and OpenSSL; returns the plaintext read so far.
  void pump(RecordingHandler& tcp_side, TcpPair& pair) {
    if (!tcp_side.received.empty()) {
      BIO_write(rbio_, tcp_side.received.data(), static_cast<int>(tcp_side.received.size()));
      wire.insert(wire.end(), tcp_side.received.begin(), tcp_side.received.end());
      tcp_side.received.clear();
    }
    if (!SSL_is_init_finished(ssl_) && SSL_do_handshake(ssl_) == 1) {
      wire_after_handshake = wire.size();
      // Application data in the same flight as our Finished: one TCP segment carries both.
      if (!with_finished.empty())
        SSL_write(ssl_, with_finished.data(), static_cast<int>(with_finished.size()));
    }
    char buf[16384];
    for (;;) {
      const int n = SSL_read(ssl_, buf, sizeof buf);
      if (n <= 0) {
        const int e = SSL_get_error(ssl_, n);
        if (e == SSL_ERROR_ZERO_RETURN) peer_closed = true;
        if (e == SSL_ERROR_SSL) failed = true;
        break;
      }
      plaintext.append(buf, static_cast<size_t>(n));
    }
    char out[16384];
    int n;
    while (tcp_side.connection && (n = BIO_read(wbio_, out, sizeof out)) > 0) {
      std::string bytes(out, static_cast<size_t>(n));
      if (rewrite_) bytes = rewrite_(*this, std::move(bytes));
      testing_send(tcp_side, pair, bytes);
    }
  }
  bool write(const std::string& data) {
    return SSL_write(ssl_, data.data(), static_cast<int>(data.size())) > 0;
  }
  bool handshake_done() const { return SSL_is_init_finished(ssl_); }
  SSL* ssl() { return ssl_; }

  // The plaintext sizes of the protected records the server sent after the handshake (the client's
  // Finished), from their lengths on the wire: TLS 1.3 the inner plaintext (content and type byte), TLS
  // 1.2 the content. In TLS 1.3 that includes OpenSSL's NewSessionTicket.
  std::vector<size_t> record_plaintexts_after_handshake() const {
    const bool tls13 = SSL_version(ssl_) == TLS1_3_VERSION;
    const bool explicit_nonce =
        !tls13 && SSL_CIPHER_is_aead(SSL_get_current_cipher(ssl_)) &&
        std::string(SSL_CIPHER_get_name(SSL_get_current_cipher(ssl_))).find("GCM") != std::string::npos;
    std::vector<size_t> sizes;
    for (size_t at = wire_after_handshake; at + tls::kHeaderSize <= wire.size();) {
      const size_t body = size_t{byte(at + 3)} << 8 | byte(at + 4);
      if (byte(at) == static_cast<uint8_t>(tls::ContentType::kApplicationData))
        sizes.push_back(body - tls::kTagSize - (explicit_nonce ? 8 : 0));
      at += tls::kHeaderSize + body;
    }
    return sizes;
  }
  // The description of a plaintext alert the server sent, or -1.
  int plaintext_alert() const {
    for (size_t at = 0; at + tls::kHeaderSize <= wire.size();) {
      const size_t body = size_t{byte(at + 3)} << 8 | byte(at + 4);
      if (byte(at) == static_cast<uint8_t>(tls::ContentType::kAlert) && body == 2 && at + 7 <= wire.size())
        return byte(at + 6);
      at += tls::kHeaderSize + body;
    }
    return -1;
  }
  uint8_t byte(size_t at) const { return static_cast<uint8_t>(wire[at]); }

  std::string plaintext;
  std::string wire;                   // every byte the server sent, as it arrived
  size_t wire_after_handshake = 0;    // where the records after the client's Finished start
  tls::testing::ClientProbes probes;  // record_size_limit offered and answered, ClientHellos sent
  std::string with_finished;          // sent right behind the client's Finished, before anything is flushed
  bool peer_closed = false;
  bool failed = false;
  std::string traffic_secret_hex;  // TLS 1.3: CLIENT_TRAFFIC_SECRET_0 from the keylog callback

 private:
  static void testing_send(RecordingHandler& h, TcpPair& pair, const std::string& data) {
    size_t at = 0;
    while (at < data.size()) {
      const size_t n = std::min<size_t>(1400, data.size() - at);
      tcp::testing::TestBuffer* b = tcp::testing::new_buffer(n);
      std::copy(data.begin() + static_cast<std::ptrdiff_t>(at),
                data.begin() + static_cast<std::ptrdiff_t>(at + n), b->bytes.begin());
      const bool ok = h.stack->write(*h.connection, b, 0, static_cast<uint32_t>(n), pair.now);
      tcp::testing::unref(b);
      if (ok) {
        at += n;
      } else {
        pair.step();
      }
    }
  }

  std::function<std::string(TlsClient&, std::string)> rewrite_;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  BIO* rbio_ = nullptr;
  BIO* wbio_ = nullptr;
};

// The suite of `ssl`'s connection, as our record layer names it.
tls::CipherSuite suite_of(const SSL* ssl) {
  switch (SSL_CIPHER_get_protocol_id(SSL_get_current_cipher(ssl))) {
    case 0x1301:
    case 0xc02b:
    case 0xc02f:
      return tls::CipherSuite::kAes128GcmSha256;
    case 0x1302:
    case 0xc02c:
    case 0xc030:
      return tls::CipherSuite::kAes256GcmSha384;
    default:
      return tls::CipherSuite::kChaCha20Poly1305Sha256;
  }
}

// Records the test writes (and, TLS 1.2, reads) itself in a client's name once its handshake is done, as
// a client that crafts its records would: the client's keys (TLS 1.3 from its traffic secret, TLS 1.2
// from the master secret, where the server's keys come too). The OpenSSL client's own writes must not
// be used after: they would repeat sequence numbers.
class ClientRecords {
 public:
  // `sequence`: TLS 1.2, the client's next record under the new keys (1: after its Finished).
  ClientRecords(TlsClient& client, uint64_t sequence = 1) {
    SSL* ssl = client.ssl();
    suite_ = suite_of(ssl);
    if (SSL_version(ssl) == TLS1_3_VERSION) {
      secret_ = tls::testing::hex(client.traffic_secret_hex);
      EXPECT_TRUE(tls::install_from_secret(engine_, write, suite_, secret_));
      return;
    }
    std::array<uint8_t, SSL_MAX_MASTER_KEY_LENGTH> master;
    std::array<uint8_t, SSL3_RANDOM_SIZE> client_random, server_random;
    const size_t length = SSL_SESSION_get_master_key(SSL_get_session(ssl), master.data(), master.size());
    SSL_get_client_random(ssl, client_random.data(), client_random.size());
    SSL_get_server_random(ssl, server_random.data(), server_random.size());
    EXPECT_TRUE(tls::install_tls12_keys(engine_, suite_, std::span(master.data(), length), client_random,
                                        server_random, write, read));
    write.sequence = sequence;
    read.sequence = 1;  // after the server's Finished
  }

  std::string seal(tls::ContentType type, std::string_view content) {
    const tls::testing::Sealed sealed =
        tls::testing::our_seal(engine_, write, type, {content.begin(), content.end()});
    EXPECT_EQ(sealed.error, tls::RecordError::kNone);
    return {sealed.record.begin(), sealed.record.end()};
  }
  // After sending a KeyUpdate: the next generation of the client's keys (RFC 8446 §7.2).
  void update_keys() {
    ASSERT_TRUE(tls::update_traffic_secret(suite_, secret_));
    ASSERT_TRUE(tls::install_from_secret(engine_, write, suite_, secret_));
  }
  // One of the client's own records (as OpenSSL sealed it), opened with the client's keys.
  tls::testing::Opened open_own(std::vector<uint8_t> record) {
    return tls::testing::our_open(engine_, write, std::move(record));
  }
  // TLS 1.2: the server's whole records at the front of `wire`, opened and removed.
  std::vector<tls::testing::Opened> open(std::string& wire) {
    std::vector<tls::testing::Opened> out;
    while (wire.size() >= tls::kHeaderSize) {
      const size_t total =
          tls::kHeaderSize + (size_t{static_cast<uint8_t>(wire[3])} << 8 | static_cast<uint8_t>(wire[4]));
      if (wire.size() < total) break;
      out.push_back(tls::testing::our_open(
          engine_, read, {wire.begin(), wire.begin() + static_cast<std::ptrdiff_t>(total)}));
      wire.erase(0, total);
    }
    return out;
  }

  tls::TrafficKeys write;  // the client's
  tls::TrafficKeys read;   // TLS 1.2: the server's

 private:
  tls::AeadEngine engine_;
  tls::CipherSuite suite_;
  std::vector<uint8_t> secret_;
};

std::string handshake_message(uint8_t type, std::string_view body) {
  std::string m(4, '\0');
  m[0] = static_cast<char>(type);
  m[2] = static_cast<char>(body.size() >> 8);
  m[3] = static_cast<char>(body.size());
  return m + std::string(body);
}

class TlsProxyTest : public ::testing::Test {
 protected:
  void SetUp() override { baseline_ = tcp::testing::live_buffers(); }
  void TearDown() override {
    proxy_.reset();
    pair_.reset();
    EXPECT_EQ(tcp::testing::live_buffers(), baseline_) << "leaked packet buffers";
  }

  // The proxy (with an echo backend) and a plain TCP connection to it from the client side.
  void connect(uint32_t seed, double loss = 0, uint64_t handshake_timeout_us = 10'000'000) {
    std::string error;
    context_ = tls::ServerContext::create({{cert_.chain, cert_.key}}, tls::SecurityPolicy::kDefault, error);
    ASSERT_TRUE(context_) << error;
    pair_ = std::make_unique<TcpPair>(tcp::TcpConfig{}, seed);
    for (auto& l : pair_->link) l.loss = loss;
    backend_.stack = &pair_->client();
    backend_.now = &pair_->now;
    ASSERT_TRUE(pair_->client().listen(TcpPair::kAddress[0], kBackendPort, &backend_, 0));
    if (targets_.empty()) targets_.push_back({TcpPair::kAddress[0], kBackendPort});
    pool_ = std::make_unique<balancing::TargetPool>(even_targets(targets_));
    proxy_ = std::make_unique<TlsProxy>(pair_->server(), engine_, *context_, TcpPair::kAddress[1], *pool_, 16,
                                        pair_->now, handshake_timeout_us, idle_timeout_us_);
    ASSERT_TRUE(pair_->server().listen(TcpPair::kAddress[1], kListenPort, proxy_.get(), 0));
    tcp_.stack = &pair_->client();
    tcp_.now = &pair_->now;
    ASSERT_NE(
        pair_->client().connect(TcpPair::kAddress[0], TcpPair::kAddress[1], kListenPort, &tcp_, pair_->now),
        nullptr);
  }

  // Raw bytes from the client side, as if a (mis)behaving client wrote them.
  void send_raw(const std::string& bytes) {
    tcp::testing::TestBuffer* b = tcp::testing::new_buffer(bytes.size());
    std::copy(bytes.begin(), bytes.end(), b->bytes.begin());
    ASSERT_TRUE(tcp_.stack->write(*tcp_.connection, b, 0, static_cast<uint32_t>(bytes.size()), pair_->now));
    tcp::testing::unref(b);
  }

  void start(int max_version, double loss = 0, const std::string& with_finished = {},
             const TlsClientOptions& options = {}) {
    connect(5, loss);
    handshake(max_version, with_finished, options);
  }

  // The client's handshake over the connection connect() opened.
  void handshake(int max_version, const std::string& with_finished = {},
                 const TlsClientOptions& options = {}) {
    client_ = std::make_unique<TlsClient>(max_version, options);
    client_->with_finished = with_finished;
    ASSERT_TRUE(pair_->run([&] {
      proxy_->flush();
      client_->pump(tcp_, *pair_);
      return client_->handshake_done() || client_->failed;
    })) << "handshake did not finish";
    ASSERT_FALSE(client_->failed);
  }

  // A second TCP connection to the proxy, opening (nothing sent on it yet).
  void connect_another(RecordingHandler& tcp) {
    tcp.stack = &pair_->client();
    tcp.now = &pair_->now;
    ASSERT_NE(
        pair_->client().connect(TcpPair::kAddress[0], TcpPair::kAddress[1], kListenPort, &tcp, pair_->now),
        nullptr);
  }

  // A second client connection through the same proxy, handshake completed.
  void handshake_another(RecordingHandler& tcp, TlsClient& client) {
    connect_another(tcp);
    ASSERT_TRUE(run_until([&] {
      client.pump(tcp, *pair_);
      return client.handshake_done();
    }));
  }

  // The proxy alone: the client's bytes stay in tcp_.received, for the test to read.
  bool run_raw(const std::function<bool()>& done, uint64_t max_us = 10'000'000) {
    return pair_->run(
        [&] {
          proxy_->flush();
          return done();
        },
        max_us);
  }

  bool run_until(const std::function<bool()>& done, uint64_t max_us = 60'000'000) {
    return pair_->run(
        [&] {
          proxy_->flush();  // what the worker does once per poll iteration
          client_->pump(tcp_, *pair_);
          return done();
        },
        max_us);
  }

  std::vector<Target> targets_;  // the pool: the echo backend when left empty
  uint64_t idle_timeout_us_ = kDefaultL4IdleTimeoutUs;
  TestCertificate cert_;
  tls::AeadEngine engine_;
  std::unique_ptr<tls::ServerContext> context_;
  std::unique_ptr<TcpPair> pair_;
  EchoBackend backend_;
  RecordingHandler tcp_;
  std::unique_ptr<TlsClient> client_;
  std::unique_ptr<balancing::TargetPool> pool_;  // the proxy's targets: it references them
  std::unique_ptr<TlsProxy> proxy_;
  int baseline_ = 0;
};

std::string pattern(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7 + i / 251) % 26);
  return s;
}

class TlsProxyVersions : public TlsProxyTest, public ::testing::WithParamInterface<int> {};

TEST_P(TlsProxyVersions, EchoesThroughTheRecordLayerAndClosesCleanly) {
  start(GetParam());
  const std::string data = pattern(300 * 1024);
  for (size_t at = 0; at < data.size(); at += 16384) {
    ASSERT_TRUE(client_->write(data.substr(at, 16384)));
  }
  ASSERT_TRUE(run_until([&] { return client_->plaintext.size() >= data.size(); }))
      << client_->plaintext.size();
  EXPECT_TRUE(client_->plaintext == data);
  EXPECT_EQ(proxy_->counters().handshakes.get(), 1u);
  EXPECT_GT(proxy_->counters().records_opened.get(), 18u);  // 300 KiB in 16 KiB records
  // Dynamic record sizing: the first 64 KiB in records that fit one segment, then up to 16 KiB records
  // (as large as what the backend delivered by the poll iteration).
  const uint64_t bulk = proxy_->counters().bulk_records.get();
  const uint64_t small = proxy_->counters().records_sealed.get() - bulk;
  EXPECT_GE(small, 64u * 1024 / 1360) << "the burst did not start with small records";
  EXPECT_GE(bulk, 10u) << "the bulk of the burst was not sealed in large records";
  // On the wire: without record_size_limit the bulk records are full size, 16 KiB of content.
  const std::vector<size_t> sizes = client_->record_plaintexts_after_handshake();
  ASSERT_FALSE(sizes.empty());
  EXPECT_EQ(*std::max_element(sizes.begin(), sizes.end()),
            GetParam() == TLS1_3_VERSION ? tls::kMaxPlaintext + 1 : tls::kMaxPlaintext);
  EXPECT_EQ(client_->probes.server_limit, 0);
  // close_notify from the client: the backend sees FIN, echoes nothing more and closes; we answer with
  // our close_notify.
  SSL_shutdown(client_->ssl());
  ASSERT_TRUE(run_until([&] { return client_->peer_closed; })) << "no close_notify back";
  ASSERT_TRUE(run_until([&] { return proxy_->sessions_active() == 0; }));
}

INSTANTIATE_TEST_SUITE_P(Tls, TlsProxyVersions, ::testing::Values(TLS1_3_VERSION, TLS1_2_VERSION));

// RFC 8449: a client offering record_size_limit gets our limit back (2^14 + 1 in TLS 1.3's
// EncryptedExtensions, 2^14 in TLS 1.2's ServerHello), and no record we seal after the handshake carries
// more plaintext than its limit — TLS 1.3 counting the type byte — through the small and the bulk phase.
class TlsProxyRecordSizeLimit : public TlsProxyTest,
                                public ::testing::WithParamInterface<std::tuple<int, uint16_t>> {};

TEST_P(TlsProxyRecordSizeLimit, NoRecordAboveTheClientsLimit) {
  const auto [version, limit] = GetParam();
  const bool tls13 = version == TLS1_3_VERSION;
  start(version, 0, {}, with_limit(limit));
  EXPECT_EQ(client_->probes.server_limit, tls13 ? 16385 : 16384);
  EXPECT_EQ(client_->probes.server_limit_in,
            static_cast<unsigned>(tls13 ? SSL_EXT_TLS1_3_ENCRYPTED_EXTENSIONS : SSL_EXT_TLS1_2_SERVER_HELLO));
  const std::string data = pattern(200 * 1024);
  for (size_t at = 0; at < data.size(); at += 16384) ASSERT_TRUE(client_->write(data.substr(at, 16384)));
  ASSERT_TRUE(run_until([&] { return client_->plaintext.size() >= data.size(); }))
      << client_->plaintext.size();
  EXPECT_TRUE(client_->plaintext == data);
  const std::vector<size_t> sizes = client_->record_plaintexts_after_handshake();
  ASSERT_GT(sizes.size(), data.size() / limit);
  EXPECT_EQ(*std::max_element(sizes.begin(), sizes.end()), limit);
  EXPECT_EQ(proxy_->counters().handshakes.get(), 1u);
  EXPECT_EQ(proxy_->counters().record_errors.get(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Limits, TlsProxyRecordSizeLimit,
                         ::testing::Combine(::testing::Values(TLS1_3_VERSION, TLS1_2_VERSION),
                                            ::testing::Values(uint16_t{512}, uint16_t{64})));

// A limit under 64: illegal_parameter (RFC 8449 §4), and the failure is counted as a protocol error.
TEST_P(TlsProxyVersions, RecordSizeLimitBelowSixtyFourIsRefused) {
  connect(8);
  client_ = std::make_unique<TlsClient>(GetParam(), with_limit(63));
  ASSERT_TRUE(run_until([&] { return client_->failed || tcp_.peer_closed || tcp_.closed; }));
  EXPECT_EQ(client_->plaintext_alert(), 47);  // illegal_parameter
  EXPECT_EQ(proxy_->counters().handshake_failures.get(), 1u);
  EXPECT_EQ(
      proxy_->counters().failures_by_reason[static_cast<size_t>(tls::HandshakeFailure::kProtocolError)].get(),
      1u);
  EXPECT_EQ(proxy_->counters().handshakes.get(), 0u);
}

// Key shares: a client whose first key share is for X448 (not accepted) but that lists X25519 gets a
// HelloRetryRequest, sends a second ClientHello and completes on X25519; counted in hello_retries.
TEST_F(TlsProxyTest, KeyShareForAnotherGroupIsRetriedAndCounted) {
  start(TLS1_3_VERSION, 0, {}, with_groups("X448:X25519"));
  EXPECT_EQ(client_->probes.client_hellos, 2);
  EXPECT_EQ(SSL_get_negotiated_group(client_->ssl()), NID_X25519);
  ASSERT_TRUE(client_->write("after a retry"));
  ASSERT_TRUE(run_until([&] { return client_->plaintext == "after a retry"; }));
  // Counted when the handshake is over on our side (the client's Finished), which the echo proves.
  EXPECT_EQ(proxy_->counters().hello_retries.get(), 1u);
  // X25519 first: no retry.
  RecordingHandler tcp2;
  TlsClient client2(TLS1_3_VERSION);
  handshake_another(tcp2, client2);
  EXPECT_EQ(client2.probes.client_hellos, 1);
  EXPECT_EQ(proxy_->counters().hello_retries.get(), 1u);
  pair_->client().abort(*tcp2.connection);
  ASSERT_TRUE(run_until([&] { return proxy_->sessions_active() == 1; }));
}

// Only groups we do not take (X448, FFDHE): handshake_failure, counted as no_shared_cipher.
TEST_F(TlsProxyTest, NoAcceptedGroupFailsAndIsCountedByReason) {
  connect(9);
  client_ = std::make_unique<TlsClient>(TLS1_3_VERSION, with_groups("X448:ffdhe2048"));
  ASSERT_TRUE(run_until([&] { return client_->failed || tcp_.peer_closed || tcp_.closed; }));
  EXPECT_EQ(client_->plaintext_alert(), 40);  // handshake_failure
  EXPECT_EQ(proxy_->counters().handshake_failures.get(), 1u);
  EXPECT_EQ(proxy_->counters()
                .failures_by_reason[static_cast<size_t>(tls::HandshakeFailure::kNoSharedCipher)]
                .get(),
            1u);
  EXPECT_EQ(proxy_->counters().hello_retries.get(), 0u);
}

// The bytes OpenSSL did not read when the handshake completed (records behind the client's Finished) are
// handed to the record layer, ahead of anything that arrives later.
TEST_F(TlsProxyTest, DataSentWithTheFinishedIsNotLost) {
  start(TLS1_3_VERSION, 0, "early-");
  ASSERT_TRUE(client_->write("later"));
  ASSERT_TRUE(run_until([&] { return client_->plaintext.size() >= 11; })) << client_->plaintext;
  EXPECT_EQ(client_->plaintext, "early-later");
}

// Records of different connections that arrive in the same poll iteration go through one AEAD batch.
TEST_F(TlsProxyTest, RecordsOfSeveralConnectionsShareOneBatch) {
  start(TLS1_3_VERSION);
  RecordingHandler tcp2;
  TlsClient client2(TLS1_3_VERSION);
  handshake_another(tcp2, client2);
  // Both clients send; the proxy sees both records before the next flush.
  ASSERT_TRUE(client_->write("one"));
  ASSERT_TRUE(client2.write("two"));
  client_->pump(tcp_, *pair_);
  client2.pump(tcp2, *pair_);
  ASSERT_TRUE(pair_->run([&] { return pair_->in_flight() == 0; }));  // delivered, not yet flushed
  const uint64_t batches = proxy_->counters().aead_batches.get();
  const uint64_t opened = proxy_->counters().records_opened.get();
  proxy_->flush();
  EXPECT_EQ(proxy_->counters().aead_batches.get(), batches + 1);
  EXPECT_EQ(proxy_->counters().records_opened.get(), opened + 2);
  ASSERT_TRUE(run_until([&] {
    client2.pump(tcp2, *pair_);
    return client_->plaintext == "one" && client2.plaintext == "two";
  }));
  pair_->client().abort(*tcp2.connection);
  ASSERT_TRUE(run_until([&] { return proxy_->sessions_active() == 1; }));
}

// More records than one batch holds: the flush runs further rounds until every pending session is
// served, including one that got no room at all in the first round.
TEST_F(TlsProxyTest, AFullBatchLeavesNoSessionBehind) {
  start(TLS1_3_VERSION);
  RecordingHandler tcp2;
  TlsClient client2(TLS1_3_VERSION);
  handshake_another(tcp2, client2);
  const size_t records = tls::AeadEngine::kCapacity + 6;
  for (size_t i = 0; i < records; ++i) ASSERT_TRUE(client_->write("r"));  // one record each
  ASSERT_TRUE(client2.write("two"));
  client_->pump(tcp_, *pair_);
  client2.pump(tcp2, *pair_);
  ASSERT_TRUE(pair_->run([&] { return pair_->in_flight() == 0; }));  // delivered, not yet flushed
  const uint64_t opened = proxy_->counters().records_opened.get();
  proxy_->flush();
  EXPECT_EQ(proxy_->counters().records_opened.get(), opened + records + 1);
  ASSERT_TRUE(run_until([&] {
    client2.pump(tcp2, *pair_);
    return client_->plaintext.size() == records && client2.plaintext == "two";
  }));
  pair_->client().abort(*tcp2.connection);
  ASSERT_TRUE(run_until([&] { return proxy_->sessions_active() == 1; }));
}

TEST_F(TlsProxyTest, SurvivesALossyLink) {
  start(TLS1_3_VERSION, 0.02);
  const std::string data = pattern(200 * 1024);
  for (size_t at = 0; at < data.size(); at += 8192) ASSERT_TRUE(client_->write(data.substr(at, 8192)));
  ASSERT_TRUE(run_until([&] { return client_->plaintext.size() >= data.size(); }, 300'000'000))
      << "received " << client_->plaintext.size() << ", client failed " << client_->failed << ", closed "
      << client_->peer_closed << ", record errors " << proxy_->counters().record_errors.get() << ", opened "
      << proxy_->counters().records_opened.get() << ", sealed " << proxy_->counters().records_sealed.get()
      << ", tcp closed " << tcp_.closed << " reason " << static_cast<int>(tcp_.reason)
      << ", backend connects " << proxy_->forwarding().backend_connects.get() << " failures "
      << proxy_->forwarding().backend_failures.get() << ", alerts in "
      << proxy_->counters().alerts_received.get() << ", no_memory " << proxy_->counters().no_memory.get()
      << ", handshakes " << proxy_->counters().handshakes.get();
  EXPECT_TRUE(client_->plaintext == data);
}

TEST_F(TlsProxyTest, KeyUpdateFromTheClientIsFollowed) {
  start(TLS1_3_VERSION);
  ASSERT_TRUE(client_->write("before"));
  ASSERT_TRUE(run_until([&] { return client_->plaintext == "before"; }));
  ASSERT_EQ(SSL_key_update(client_->ssl(), SSL_KEY_UPDATE_REQUESTED), 1);
  ASSERT_TRUE(client_->write("after"));  // sent under the new keys, after the KeyUpdate
  ASSERT_TRUE(run_until([&] { return client_->plaintext == "beforeafter"; })) << client_->plaintext;
  EXPECT_EQ(proxy_->counters().key_updates.get(), 1u);
  // We answered the request with our own KeyUpdate: the client reads data under our new keys.
  ASSERT_TRUE(client_->write("again"));
  ASSERT_TRUE(run_until([&] { return client_->plaintext == "beforeafteragain"; }));
}

TEST_F(TlsProxyTest, TamperedRecordGetsBadRecordMacAndClose) {
  start(TLS1_3_VERSION);
  // A forged application-data record: right framing, wrong tag.
  send_raw(std::string("\x17\x03\x03\x00\x20", 5) + std::string(32, 'x'));
  ASSERT_TRUE(run_until([&] { return client_->failed || client_->peer_closed || tcp_.peer_closed; }));
  EXPECT_EQ(proxy_->counters().record_errors.get(), 1u);
}

TEST_F(TlsProxyTest, AClientThatStallsMidHandshakeIsResetAtTheTimeout) {
  connect(7, 0, 2'000'000);
  ASSERT_TRUE(pair_->run([&] { return tcp_.connected; }));
  send_raw(std::string("\x16\x03\x01", 3));  // half a ClientHello record header, then silence
  const uint64_t start = pair_->now;
  ASSERT_TRUE(pair_->run([&] {
    proxy_->expire(pair_->now);
    return tcp_.closed;
  }));
  EXPECT_EQ(tcp_.reason, tcp::CloseReason::kReset);
  EXPECT_GE(pair_->now - start, 2'000'000u);
  EXPECT_LT(pair_->now - start, 3'000'000u);
  EXPECT_EQ(proxy_->counters().handshake_timeouts.get(), 1u);
  EXPECT_EQ(proxy_->sessions_active(), 0u);
}

// A client sending its bytes as one-byte records while the application cannot take them yet (here the
// backend is still being connected to) must not pin a packet buffer per record: their plaintext shares
// buffers. Everything still arrives, in order.
TEST_F(TlsProxyTest, OneByteRecordsShareBuffers) {
  bool backend_reachable = false;
  connect(5);
  pair_->filter = [&](int, const tcp::SegmentHeader& h) {
    return backend_reachable || (h.destination_port != kBackendPort && h.source_port != kBackendPort);
  };
  handshake(TLS1_3_VERSION);
  const int before = tcp::testing::live_buffers();
  std::string sent;
  for (int i = 0; i < 2000; ++i) {
    sent += static_cast<char>('a' + i % 26);
    ASSERT_TRUE(client_->write(sent.substr(sent.size() - 1)));  // a record each
    if (i % 100 == 99) run_until([] { return false; }, 5'000);
  }
  run_until([] { return false; }, 300'000);
  EXPECT_EQ(proxy_->terminator().counters().plaintext_in.get(), 2000u);
  EXPECT_LT(tcp::testing::live_buffers() - before, 100) << "a buffer per record";
  EXPECT_GT(proxy_->terminator().counters().plaintext_packed.get(), 1900u);
  backend_reachable = true;
  ASSERT_TRUE(run_until(
      [&] {
        client_->pump(tcp_, *pair_);
        return client_->plaintext.size() >= sent.size();
      },
      20'000'000))
      << client_->plaintext.size();
  EXPECT_EQ(client_->plaintext, sent);
}

// A handshake flood cannot take every session or the core: past max_handshakes in progress a new client
// is reset at accept, before any handshake work; once one finishes, clients are taken again.
TEST_F(TlsProxyTest, ClientsPastMaxHandshakesAreResetAtAccept) {
  connect(5);
  proxy_->terminator().set_max_handshakes(1);
  ASSERT_TRUE(run_raw([&] { return tcp_.connected; }));  // in handshake: no ClientHello yet
  RecordingHandler second;
  connect_another(second);
  ASSERT_TRUE(run_raw([&] { return second.closed; }, 2'000'000));
  EXPECT_EQ(second.reason, tcp::CloseReason::kReset);
  EXPECT_EQ(proxy_->terminator().counters().handshakes_refused.get(), 1u);
  handshake(TLS1_3_VERSION);  // the first finishes its handshake
  RecordingHandler third;
  TlsClient client(TLS1_3_VERSION);
  handshake_another(third, client);
  EXPECT_FALSE(third.closed);
  EXPECT_EQ(proxy_->terminator().counters().handshakes_refused.get(), 1u);
}

// A client over its connection limit is reset at its SYN: no connection, no handshake spent on it.
TEST_F(TlsProxyTest, ClientOverItsConnectionLimitIsResetBeforeAnyHandshake) {
  connect(5);
  net::ClientLimits limits;
  limits.max_connections = 1;
  proxy_->set_client_limits(limits, 7);
  handshake(TLS1_3_VERSION);
  RecordingHandler second;
  connect_another(second);
  ASSERT_TRUE(run_until([&] { return second.closed; }, 2'000'000));
  EXPECT_EQ(second.reason, tcp::CloseReason::kRefused);
  EXPECT_TRUE(second.received.empty()) << "no ServerHello for a refused client";
  EXPECT_EQ(proxy_->client_limiter()->counters().connections_refused.get(), 1u);
  EXPECT_EQ(proxy_->counters().sessions.get(), 1u);
}

TEST_F(TlsProxyTest, AnIdleConnectionHoldsNoRecordBuffer) {
  start(TLS1_3_VERSION);
  ASSERT_TRUE(client_->write("hello"));
  ASSERT_TRUE(run_until([&] { return client_->plaintext == "hello"; }));
  EXPECT_EQ(proxy_->buffers_lent(), 0u) << "an idle session still holds a record buffer";
  // The budget: under 4 KiB per idle TLS connection, TCP state included (two connections, the
  // client's and the backend's, each a TCB and two table slots).
  const size_t per_connection = TlsProxy::session_bytes() + 2 * (sizeof(tcp::Connection) + 16);
  EXPECT_LT(per_connection, 4096u);
  std::printf("idle TLS connection: %zu bytes (session %zu, TCB %zu)\n", per_connection,
              TlsProxy::session_bytes(), sizeof(tcp::Connection));
}

// A tls listener's session that moves no byte for its idle timeout is reset on both sides.
TEST_F(TlsProxyTest, AnIdleSessionIsResetOnBothSides) {
  idle_timeout_us_ = 1'000'000;
  start(TLS1_3_VERSION);
  ASSERT_TRUE(client_->write("hello"));
  ASSERT_TRUE(run_until([&] { return client_->plaintext == "hello"; }));
  ASSERT_EQ(backend_.sessions.size(), 1u);
  const uint64_t quiet_from = pair_->now;
  ASSERT_TRUE(pair_->run(
      [&] {
        proxy_->flush();
        proxy_->expire(pair_->now);
        return tcp_.closed && backend_.sessions[0]->closed;
      },
      10'000'000))
      << "an idle session is never reset";
  EXPECT_GE(pair_->now - quiet_from, 900'000u);
  EXPECT_LE(pair_->now - quiet_from, 1'300'000u);
  EXPECT_EQ(tcp_.reason, tcp::CloseReason::kReset);
  EXPECT_EQ(backend_.sessions[0]->reason, tcp::CloseReason::kReset);
  EXPECT_EQ(proxy_->forwarding().idle_timeouts.get(), 1u);
  EXPECT_EQ(proxy_->sessions_active(), 0u);
  EXPECT_EQ(proxy_->forwarding_active(), 0u);
}

// Garbage after the handshake whose first bytes announce a long record is refused at its header, not left
// waiting for a body that never comes (the hostile suite's random garbage hung there one run in five).
TEST_F(TlsProxyTest, AGarbageRecordHeaderIsRefusedBeforeItsBody) {
  start(TLS1_3_VERSION);
  const uint64_t errors = proxy_->counters().record_errors.get();
  send_raw(std::string("\x99\x42\x17\x30\x00", 5) + std::string(100, 'g'));  // type 0x99, 12,288 bytes
  ASSERT_TRUE(run_raw([&] { return tcp_.peer_closed || tcp_.closed; }, 1'000'000));
  EXPECT_GT(proxy_->counters().record_errors.get(), errors);
}

TEST_F(TlsProxyTest, GarbageInsteadOfAClientHelloIsRefused) {
  connect(6);
  ASSERT_TRUE(pair_->run([&] { return tcp_.connected; }));
  send_raw("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(pair_->run([&] {
    proxy_->flush();
    return tcp_.peer_closed || tcp_.closed;
  }));
  EXPECT_EQ(proxy_->counters().handshake_failures.get(), 1u);
  EXPECT_EQ(proxy_->forwarding().backend_connects.get(), 0u);
}

// The target is chosen when the handshake ends, by health (TcpProxy's choice, as a tcp listener's).
TEST_F(TlsProxyTest, TheForwardingSkipsAnUnhealthyTargetAndFailsOpen) {
  targets_ = {{TcpPair::kAddress[0], 9}, {TcpPair::kAddress[0], kBackendPort}};  // nothing listens on 9
  connect(5);
  proxy_->forwarder().targets().set_target(0, false, 1);  // the dead one, found unhealthy
  handshake(TLS1_3_VERSION);
  ASSERT_TRUE(client_->write("through the healthy one"));
  ASSERT_TRUE(run_until([&] { return client_->plaintext == "through the healthy one"; }));
  EXPECT_EQ(proxy_->forwarder().sessions_to(0), 0u);
  EXPECT_EQ(proxy_->forwarder().sessions_to(1), 1u);
  EXPECT_EQ(proxy_->forwarding().backend_failures.get(), 0u);
  // Every target unhealthy: the next connection fails open rather than being refused.
  proxy_->forwarder().targets().set_target(1, false, 1);
  RecordingHandler tcp;
  TlsClient client(TLS1_3_VERSION, {});
  handshake_another(tcp, client);
  ASSERT_TRUE(run_until([&] { return proxy_->forwarding().fail_open.get() == 1; }));
  EXPECT_EQ(proxy_->forwarding().no_target.get(), 0u);
}

// ---- Conformance and hostile peers (RFC 8446, RFC 5246): records the test crafts in the client's name ----

constexpr auto kHandshakeRecord = tls::ContentType::kHandshake;
constexpr auto kAlertRecord = tls::ContentType::kAlert;
constexpr auto kDataRecord = tls::ContentType::kApplicationData;

// RFC 8446 §6.2: after a fatal alert the connection is closed at once. A client that keeps sending must
// neither be left to fill our window (the session held at zero window until FIN-WAIT-2 expires, 30 s)
// nor be read: its bytes are dropped and the connection is reset once the alert is acknowledged.
TEST_F(TlsProxyTest, AfterAFatalAlertTheClientsBytesAreDroppedAndTheConnectionReset) {
  start(TLS1_3_VERSION);
  send_raw(std::string("\x17\x03\x03\x00\x20", 5) + std::string(32, 'x'));  // bad_record_mac
  const std::string junk(300 * 1024, 'j');
  size_t sent = 0;
  const uint64_t t0 = pair_->now;
  ASSERT_TRUE(run_raw([&] {
    // A hostile client: as much as its send buffer takes, whatever it was told.
    while (tcp_.connection && !tcp_.closed && sent < junk.size()) {
      const uint32_t n =
          std::min<uint32_t>(tcp_.stack->write_space(*tcp_.connection),
                             static_cast<uint32_t>(std::min<size_t>(1400, junk.size() - sent)));
      if (n == 0) break;
      tcp::testing::TestBuffer* b = tcp::testing::new_buffer(n);
      std::copy_n(junk.begin(), n, b->bytes.begin());
      const bool ok = tcp_.stack->write(*tcp_.connection, b, 0, n, pair_->now);
      tcp::testing::unref(b);
      if (!ok) break;
      sent += n;
    }
    return tcp_.closed;
  }));
  EXPECT_EQ(tcp_.reason, tcp::CloseReason::kReset);
  EXPECT_LT(pair_->now - t0, 2'000'000u) << "held until FIN-WAIT-2 expired";
  EXPECT_EQ(proxy_->counters().record_errors.get(), 1u);
  EXPECT_EQ(proxy_->counters().resets_after_alert.get(), 1u);
  EXPECT_GT(proxy_->counters().discarded_after_close.get(), 0u);
  EXPECT_EQ(proxy_->sessions_active(), 0u);
}

// KeyUpdate costs us a key derivation: at most 16 post-handshake messages a second per connection.
TEST_F(TlsProxyTest, KeyUpdatesAboveTheRateBoundAreFatalAndCounted) {
  start(TLS1_3_VERSION);
  ClientRecords raw(*client_);
  const std::string update = handshake_message(24, std::string(1, '\0'));  // update_not_requested
  for (int i = 0; i < 16; ++i) {
    send_raw(raw.seal(kHandshakeRecord, update));
    raw.update_keys();
  }
  send_raw(raw.seal(kDataRecord, "still here"));
  ASSERT_TRUE(run_until([&] { return client_->plaintext == "still here"; }, 500'000));
  EXPECT_EQ(proxy_->counters().key_updates.get(), 16u);
  send_raw(raw.seal(kHandshakeRecord, update));
  ASSERT_TRUE(run_until([&] { return client_->probes.last_alert() >= 0; }, 500'000));
  EXPECT_EQ(client_->probes.last_alert(), 10);  // unexpected_message
  EXPECT_EQ(proxy_->counters().post_handshake_floods.get(), 1u);
  EXPECT_EQ(proxy_->counters().key_updates.get(), 16u);
}

// One record the client sends after its handshake, and the alert it must get for it.
struct BadRecord {
  const char* name;
  tls::ContentType type;
  std::string content;
  int alert;
};

void PrintTo(const BadRecord& r, std::ostream* os) {
  *os << r.name;
}

class TlsProxyBadRecords : public TlsProxyTest, public ::testing::WithParamInterface<BadRecord> {};

TEST_P(TlsProxyBadRecords, GetTheAlertTheRfcNames) {
  start(TLS1_3_VERSION);
  ClientRecords raw(*client_);
  send_raw(raw.seal(GetParam().type, GetParam().content));
  ASSERT_TRUE(run_until([&] { return client_->probes.last_alert() >= 0; }, 1'000'000));
  EXPECT_EQ(client_->probes.last_alert(), GetParam().alert);
  EXPECT_EQ(tcp_.reason, tcp::CloseReason::kNormal) << "reset before the alert";
  EXPECT_EQ(proxy_->counters().key_updates.get(), 0u);
  EXPECT_EQ(proxy_->counters().record_errors.get(), 1u);
}

INSTANTIATE_TEST_SUITE_P(
    Conformance, TlsProxyBadRecords,
    ::testing::Values(
        // RFC 8446 §4.6.3: request_update other than 0/1 is illegal_parameter; a KeyUpdate of the wrong
        // length does not decode.
        BadRecord{"KeyUpdateRequestTwo", kHandshakeRecord, handshake_message(24, std::string(1, '\2')), 47},
        BadRecord{"KeyUpdateTooLong", kHandshakeRecord, handshake_message(24, std::string(2, '\0')), 50},
        BadRecord{"KeyUpdateEmpty", kHandshakeRecord, handshake_message(24, "") + std::string(1, '\0'), 50},
        // §5.1: the keys change after a KeyUpdate, so nothing may follow it in its record.
        BadRecord{"KeyUpdateNotLast", kHandshakeRecord,
                  handshake_message(24, std::string(1, '\0')) + handshake_message(24, std::string(1, '\0')),
                  10},
        // A ClientHello after a TLS 1.3 handshake (§4.1.2).
        BadRecord{"ClientHello", kHandshakeRecord, handshake_message(1, std::string(40, '\3')), 10},
        // §5.1/§5.4: zero-length fragments are allowed for application data only; an alert record holds
        // exactly one alert.
        BadRecord{"EmptyAlert", kAlertRecord, "", 10}, BadRecord{"EmptyHandshake", kHandshakeRecord, "", 10},
        BadRecord{"AlertOfThreeBytes", kAlertRecord, std::string(3, '\1'), 50}),
    [](const ::testing::TestParamInfo<BadRecord>& p) { return std::string(p.param.name); });

// RFC 8446 §5.1: a handshake message may span records; the keys change once it is whole.
TEST_F(TlsProxyTest, AKeyUpdateSplitAcrossRecordsIsFollowed) {
  start(TLS1_3_VERSION);
  ClientRecords raw(*client_);
  const std::string update = handshake_message(24, std::string(1, '\1'));  // update_requested
  send_raw(raw.seal(kHandshakeRecord, update.substr(0, 2)));
  send_raw(raw.seal(kHandshakeRecord, update.substr(2)));
  raw.update_keys();
  send_raw(raw.seal(kDataRecord, "after the update"));
  // Our answering KeyUpdate reached the client too: it reads the echo under our next keys.
  ASSERT_TRUE(run_until([&] { return client_->plaintext == "after the update"; }, 1'000'000))
      << "alert " << client_->probes.last_alert();
  EXPECT_EQ(proxy_->counters().key_updates.get(), 1u);
  EXPECT_EQ(proxy_->counters().record_errors.get(), 0u);
}

// ... but nothing else may come between its pieces.
TEST_F(TlsProxyTest, ARecordBetweenThePiecesOfAKeyUpdateIsRefused) {
  start(TLS1_3_VERSION);
  ClientRecords raw(*client_);
  send_raw(raw.seal(kHandshakeRecord, handshake_message(24, std::string(1, '\0')).substr(0, 3)));
  send_raw(raw.seal(kDataRecord, "between"));
  ASSERT_TRUE(run_until([&] { return client_->probes.last_alert() >= 0; }, 1'000'000));
  EXPECT_EQ(client_->probes.last_alert(), 10);  // unexpected_message
  EXPECT_TRUE(client_->plaintext.empty());
}

// RFC 5246 §6.2.1: the client may cut its Finished into several records; the read sequence number after
// the hand-over counts them.
TEST_F(TlsProxyTest, Tls12FinishedCutIntoTwoRecordsIsFollowedByData) {
  connect(5);
  TlsClientOptions options;
  bool cut = false;
  options.rewrite = [&](TlsClient& client, std::string flight) {
    // The client's last flight: ClientKeyExchange, ChangeCipherSpec, then its Finished, protected.
    const size_t ccs = flight.find(std::string("\x14\x03\x03\x00\x01\x01", 6));
    if (ccs == std::string::npos || cut) return flight;
    const size_t at = ccs + 6;
    ClientRecords keys(client, 0);
    const tls::testing::Opened finished =
        keys.open_own({flight.begin() + static_cast<std::ptrdiff_t>(at), flight.end()});
    EXPECT_EQ(finished.error, tls::RecordError::kNone);
    const std::string message(finished.content.begin(), finished.content.end());
    keys.write.sequence = 0;
    cut = true;
    // Sealed one after the other (sequence numbers 0, 1): the operands of + have no order.
    const std::string first = keys.seal(kHandshakeRecord, message.substr(0, 6));
    const std::string second = keys.seal(kHandshakeRecord, message.substr(6));
    return flight.substr(0, at) + first + second;
  };
  handshake(TLS1_2_VERSION, {}, options);
  ASSERT_TRUE(cut);
  ClientRecords raw(*client_, 2);  // two Finished records
  send_raw(raw.seal(kDataRecord, "after a cut Finished"));
  ASSERT_TRUE(run_until([&] { return client_->plaintext == "after a cut Finished"; }, 1'000'000))
      << "alert " << client_->probes.last_alert();
  EXPECT_EQ(proxy_->counters().record_errors.get(), 0u);
}

// RFC 5246 §7.2.2: a renegotiation we do not do gets the warning no_renegotiation and the connection goes
// on; a client that insists is closed after three refusals.
TEST_F(TlsProxyTest, Tls12RenegotiationIsRefusedWithAWarningThenBounded) {
  start(TLS1_2_VERSION);
  ClientRecords raw(*client_);
  const std::string hello = handshake_message(1, std::string("\x03\x03", 2) + std::string(38, 'r'));
  auto alerts_from_server = [&] {
    std::vector<std::pair<int, int>> alerts;
    for (const tls::testing::Opened& r : raw.open(tcp_.received)) {
      EXPECT_EQ(r.error, tls::RecordError::kNone);
      if (r.type == kAlertRecord && r.content.size() == 2) alerts.push_back({r.content[0], r.content[1]});
    }
    return alerts;
  };
  // The ClientHello in two records: renegotiation messages may span records like any other.
  send_raw(raw.seal(kHandshakeRecord, hello.substr(0, 10)));
  send_raw(raw.seal(kHandshakeRecord, hello.substr(10)));
  ASSERT_TRUE(run_raw([&] { return !tcp_.received.empty(); }));
  EXPECT_EQ(alerts_from_server(), (std::vector<std::pair<int, int>>{{1, 100}}));  // warning no_renegotiation
  send_raw(raw.seal(kDataRecord, "still here"));
  std::string echoed;
  ASSERT_TRUE(run_raw([&] {
    for (const tls::testing::Opened& r : raw.open(tcp_.received))
      if (r.type == kDataRecord) echoed.append(r.content.begin(), r.content.end());
    return echoed == "still here";
  }));
  for (int i = 0; i < 3; ++i) send_raw(raw.seal(kHandshakeRecord, hello));
  ASSERT_TRUE(run_raw([&] { return tcp_.peer_closed || tcp_.closed; }));
  EXPECT_EQ(alerts_from_server(), (std::vector<std::pair<int, int>>{{1, 100}, {1, 100}, {2, 10}}));
  EXPECT_EQ(proxy_->counters().renegotiations_refused.get(), 3u);
  EXPECT_EQ(proxy_->counters().renegotiation_floods.get(), 1u);
}

}  // namespace
}  // namespace tollgate::proxy
