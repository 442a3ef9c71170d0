// The pieces the handshake tests share: certificate files made once per test program, an OpenSSL client
// and an OpenSSL server over memory BIOs, a loop that runs a handshake between the client and
// ServerHandshake, and the connection after the hand-over (our record layer against the OpenSSL peer).
#pragma once

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cstdlib>  // mkdtemp
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "engine/tls/server_context.h"
#include "engine/tls/server_handshake.h"
#include "tests/unit/tls/client_probes.h"
#include "tests/unit/tls/test_certificates.h"
#include "tests/unit/tls/tls_test_util.h"

namespace tollgate::tls::testing {

inline constexpr const char* kLabName = "lab.tollgate.test";

// The certificate files, made once for the whole test program (RSA key generation is slow).
struct Certificates {
  std::string dir;
  CertificateFiles fallback;   // CN "default", SAN default.tollgate.test, ECDSA: listed first
  CertificateFiles lab_ecdsa;  // CN "lab-ecdsa", SAN lab.tollgate.test, *.lab.tollgate.test
  CertificateFiles lab_rsa;    // CN "lab-rsa", the same names
  CertificateFiles api;        // CN "api", SAN api.lab.tollgate.test (exact beats the wildcard)

  static const Certificates& get() {
    static const Certificates certs;
    return certs;
  }
  std::vector<CertificateFiles> all() const { return {fallback, lab_ecdsa, lab_rsa, api}; }

 private:
  Certificates() {
    Certificates& c = *this;
    char tmpl[] = "/tmp/tollgate-handshake-test-XXXXXX";
    c.dir = mkdtemp(tmpl);  // removed with everything in it when the program exits
    c.fallback =
        make_certificate(c.dir, "default", KeyType::kEcdsaP256, "default", "DNS:default.tollgate.test");
    c.lab_ecdsa = make_certificate(c.dir, "lab-ecdsa", KeyType::kEcdsaP256, "lab-ecdsa",
                                   "DNS:lab.tollgate.test,DNS:*.lab.tollgate.test");
    c.lab_rsa = make_certificate(c.dir, "lab-rsa", KeyType::kRsa2048, "lab-rsa",
                                 "DNS:lab.tollgate.test,DNS:*.lab.tollgate.test");
    c.api = make_certificate(c.dir, "api", KeyType::kEcdsaP256, "api", "DNS:api.lab.tollgate.test");
  }
  ~Certificates() { std::filesystem::remove_all(dir); }
};

inline std::unique_ptr<ServerContext> make_context(SecurityPolicy policy = SecurityPolicy::kDefault,
                                                   std::shared_ptr<TicketKeyRing> tickets = nullptr) {
  std::string error;
  auto context = ServerContext::create(Certificates::get().all(), policy, error, std::move(tickets));
  EXPECT_TRUE(context) << error;
  return context;
}

struct ClientOptions {
  int min_version = TLS1_2_VERSION;
  int max_version = TLS1_3_VERSION;
  std::string tls13_suites;  // empty: OpenSSL's default
  std::string tls12_ciphers;
  std::string sni = kLabName;
  std::vector<std::string> alpn;
  std::string sigalgs;
  bool security_level_0 = false;   // to let the client speak TLS 1.1
  SSL_SESSION* session = nullptr;  // to resume: a session (with its ticket) from an earlier connection
  std::string groups;              // supported groups, the first gets the key share; empty: OpenSSL's
  uint16_t record_size_limit = 0;  // offered in the ClientHello (RFC 8449) when not 0
};

template <typename Edit>
inline ClientOptions client_options(Edit edit) {
  ClientOptions o;
  edit(o);
  return o;
}

// Every suite, each version: the OpenSSL peer offers (client) or accepts (server) this one alone.
struct SuiteCase {
  const char* name;
  TlsVersion version;
  CipherSuite suite;
  const char* openssl_name;  // the peer's only suite
  const char* standard_name;
  const char* certificate;  // the CN of the certificate ServerHandshake presents for it
};

inline const SuiteCase kSuiteCases[] = {
    {"Tls13_Aes128Gcm", TlsVersion::kTls13, CipherSuite::kAes128GcmSha256, "TLS_AES_128_GCM_SHA256",
     "TLS_AES_128_GCM_SHA256", "lab-ecdsa"},
    {"Tls13_Aes256Gcm", TlsVersion::kTls13, CipherSuite::kAes256GcmSha384, "TLS_AES_256_GCM_SHA384",
     "TLS_AES_256_GCM_SHA384", "lab-ecdsa"},
    {"Tls13_ChaCha20", TlsVersion::kTls13, CipherSuite::kChaCha20Poly1305Sha256,
     "TLS_CHACHA20_POLY1305_SHA256", "TLS_CHACHA20_POLY1305_SHA256", "lab-ecdsa"},
    {"Tls12_Ecdsa_Aes128Gcm", TlsVersion::kTls12, CipherSuite::kAes128GcmSha256,
     "ECDHE-ECDSA-AES128-GCM-SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "lab-ecdsa"},
    {"Tls12_Ecdsa_Aes256Gcm", TlsVersion::kTls12, CipherSuite::kAes256GcmSha384,
     "ECDHE-ECDSA-AES256-GCM-SHA384", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "lab-ecdsa"},
    {"Tls12_Ecdsa_ChaCha20", TlsVersion::kTls12, CipherSuite::kChaCha20Poly1305Sha256,
     "ECDHE-ECDSA-CHACHA20-POLY1305", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "lab-ecdsa"},
    {"Tls12_Rsa_Aes128Gcm", TlsVersion::kTls12, CipherSuite::kAes128GcmSha256, "ECDHE-RSA-AES128-GCM-SHA256",
     "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "lab-rsa"},
    {"Tls12_Rsa_Aes256Gcm", TlsVersion::kTls12, CipherSuite::kAes256GcmSha384, "ECDHE-RSA-AES256-GCM-SHA384",
     "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "lab-rsa"},
    {"Tls12_Rsa_ChaCha20", TlsVersion::kTls12, CipherSuite::kChaCha20Poly1305Sha256,
     "ECDHE-RSA-CHACHA20-POLY1305", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "lab-rsa"},
};

// Limits `o` (ClientOptions or ServerOptions) to `c`: its version and its suite only.
template <typename Options>
inline Options only(const SuiteCase& c, Options o) {
  if (c.version == TlsVersion::kTls13) {
    o.min_version = TLS1_3_VERSION;
    o.tls13_suites = c.openssl_name;
  } else {
    o.max_version = TLS1_2_VERSION;
    o.tls12_ciphers = c.openssl_name;
  }
  return o;
}

// One end of an OpenSSL connection over memory BIOs: the bytes it sent, the bytes it is given, and its
// application data.
class MemoryPeer {
 public:
  MemoryPeer(const MemoryPeer&) = delete;
  MemoryPeer& operator=(const MemoryPeer&) = delete;
  ~MemoryPeer() {
    SSL_free(ssl_);
    SSL_CTX_free(ctx_);
    ERR_clear_error();
  }

  SSL* ssl() const { return ssl_; }

  void give(const std::vector<uint8_t>& bytes) {
    if (!bytes.empty()) BIO_write(in_, bytes.data(), static_cast<int>(bytes.size()));
  }
  std::vector<uint8_t> take() {
    std::vector<uint8_t> bytes(BIO_ctrl_pending(out_));
    if (!bytes.empty()) BIO_read(out_, bytes.data(), static_cast<int>(bytes.size()));
    return bytes;
  }
  void write(const std::vector<uint8_t>& data) {
    ASSERT_EQ(SSL_write(ssl_, data.data(), static_cast<int>(data.size())), static_cast<int>(data.size()));
  }
  // Reads one application-data message of exactly `size` bytes (one record's worth).
  std::vector<uint8_t> read(size_t size) {
    std::vector<uint8_t> data(size + 1);
    const int n = SSL_read(ssl_, data.data(), static_cast<int>(data.size()));
    data.resize(n > 0 ? static_cast<size_t>(n) : 0);
    return data;
  }

 protected:
  MemoryPeer() = default;
  // Makes the SSL from `ctx_` with its two memory BIOs.
  void make_ssl() {
    ssl_ = SSL_new(ctx_);
    in_ = BIO_new(BIO_s_mem());
    out_ = BIO_new(BIO_s_mem());
    SSL_set_bio(ssl_, in_, out_);
  }

  // Versions from `min` to `max`; the TLS 1.3 suites and TLS 1.2 ciphers when given (else OpenSSL's).
  void limit(int min, int max, const std::string& tls13_suites, const std::string& tls12_ciphers) {
    SSL_CTX_set_min_proto_version(ctx_, min);
    SSL_CTX_set_max_proto_version(ctx_, max);
    if (!tls13_suites.empty()) {
      EXPECT_EQ(SSL_CTX_set_ciphersuites(ctx_, tls13_suites.c_str()), 1);
    }
    if (!tls12_ciphers.empty()) {
      EXPECT_EQ(SSL_CTX_set_cipher_list(ctx_, tls12_ciphers.c_str()), 1);
    }
  }

  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  BIO* in_ = nullptr;
  BIO* out_ = nullptr;
};

// An OpenSSL client over memory BIOs; certificates are not verified (the tests look at them directly).
class Client : public MemoryPeer {
 public:
  explicit Client(const ClientOptions& o) {
    ctx_ = SSL_CTX_new(TLS_client_method());
    if (o.security_level_0) {
      SSL_CTX_set_security_level(ctx_, 0);
      SSL_CTX_set_cipher_list(ctx_, "DEFAULT:@SECLEVEL=0");
    }
    limit(o.min_version, o.max_version, o.tls13_suites, o.tls12_ciphers);
    // Count the session tickets the client receives.
    SSL_CTX_set_session_cache_mode(ctx_, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(ctx_, [](SSL* ssl, SSL_SESSION*) {
      ++*static_cast<int*>(SSL_get_app_data(ssl));
      return 0;
    });
    if (o.record_size_limit != 0) probes_.offer_record_size_limit(ctx_, o.record_size_limit);
    make_ssl();
    SSL_set_app_data(ssl_, &tickets_);
    probes_.count_client_hellos(ssl_);
    if (!o.groups.empty()) {
      EXPECT_EQ(SSL_set1_groups_list(ssl_, o.groups.c_str()), 1);
    }
    SSL_set_connect_state(ssl_);
    if (!o.sni.empty()) SSL_set_tlsext_host_name(ssl_, o.sni.c_str());
    if (!o.alpn.empty()) {
      std::vector<uint8_t> wire;
      for (const auto& p : o.alpn) {
        wire.push_back(static_cast<uint8_t>(p.size()));
        wire.insert(wire.end(), p.begin(), p.end());
      }
      EXPECT_EQ(SSL_set_alpn_protos(ssl_, wire.data(), static_cast<unsigned>(wire.size())), 0);
    }
    if (!o.sigalgs.empty()) {
      EXPECT_EQ(SSL_set1_sigalgs_list(ssl_, o.sigalgs.c_str()), 1);
    }
    if (o.session != nullptr) {
      EXPECT_EQ(SSL_set_session(ssl_, o.session), 1);
    }
  }
  int tickets() const { return tickets_; }
  int client_hellos() const { return probes_.client_hellos; }
  // The server's record_size_limit and the message it came in (SSL_EXT_*), 0 when it sent none.
  uint16_t server_limit() const { return probes_.server_limit; }
  unsigned server_limit_in() const { return probes_.server_limit_in; }
  // The session to resume with, holding the latest ticket received — in TLS 1.3 only once the client has
  // read the NewSessionTicket record that follows the handshake. The caller frees it (SSL_SESSION_free).
  // Also marks the connection as closed cleanly, as close_notify both ways would: OpenSSL marks the
  // session not resumable when an SSL is freed in mid-connection (SSL_free → SSL_CTX_remove_session).
  SSL_SESSION* get1_session() {
    SSL_set_shutdown(ssl_, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
    return SSL_get1_session(ssl_);
  }
  std::string peer_common_name() const {
    X509* cert = SSL_get1_peer_certificate(ssl_);
    if (cert == nullptr) return "";
    char cn[64] = {};
    X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof(cn));
    X509_free(cert);
    return cn;
  }

 private:
  int tickets_ = 0;
  ClientProbes probes_;
};

struct ServerOptions {
  int min_version = TLS1_2_VERSION;
  int max_version = TLS1_3_VERSION;
  std::string tls13_suites;  // empty: OpenSSL's default
  std::string tls12_ciphers;
  CertificateFiles certificate;  // the chain it presents, with its key
  int tickets = 2;               // TLS 1.3 NewSessionTickets after the handshake (OpenSSL's default: 2)
};

// An OpenSSL server over memory BIOs, with one certificate; no client certificate asked for. It selects
// http/1.1 when offered in ALPN.
class Server : public MemoryPeer {
 public:
  explicit Server(const ServerOptions& o) {
    ctx_ = SSL_CTX_new(TLS_server_method());
    limit(o.min_version, o.max_version, o.tls13_suites, o.tls12_ciphers);
    EXPECT_EQ(SSL_CTX_use_certificate_chain_file(ctx_, o.certificate.chain_pem.c_str()), 1);
    EXPECT_EQ(SSL_CTX_use_PrivateKey_file(ctx_, o.certificate.key_pem.c_str(), SSL_FILETYPE_PEM), 1);
    SSL_CTX_set_num_tickets(ctx_, static_cast<size_t>(o.tickets));
    SSL_CTX_set_alpn_select_cb(
        ctx_,
        [](SSL*, const unsigned char** out, unsigned char* out_length, const unsigned char* in,
           unsigned int in_length, void*) {
          unsigned char* selected = nullptr;
          static const unsigned char kHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
          if (SSL_select_next_proto(&selected, out_length, kHttp11, sizeof kHttp11, in, in_length) !=
              OPENSSL_NPN_NEGOTIATED)
            return SSL_TLSEXT_ERR_NOACK;
          *out = selected;
          return SSL_TLSEXT_ERR_OK;
        },
        nullptr);
    make_ssl();
    SSL_set_accept_state(ssl_);
  }

  // The SNI the client sent, "" without.
  std::string sni() const {
    const char* name = SSL_get_servername(ssl_, TLSEXT_NAMETYPE_host_name);
    return name != nullptr ? name : "";
  }
};

// Runs the handshake to its end on both sides (or until the server fails). `to_client` collects everything
// the server sent, for alert checks.
inline HandshakeStatus run_handshake(Client& client, ServerHandshake& server,
                                     std::vector<uint8_t>* to_client = nullptr) {
  HandshakeStatus status = HandshakeStatus::kInProgress;
  for (int round = 0; round < 10; ++round) {
    const int rc = SSL_do_handshake(client.ssl());
    std::vector<uint8_t> out;
    status = server.feed(client.take(), out);
    client.give(out);
    if (to_client != nullptr) to_client->insert(to_client->end(), out.begin(), out.end());
    if (status == HandshakeStatus::kFailed || (status == HandshakeStatus::kDone && rc == 1)) break;
  }
  return status;
}

inline std::vector<std::vector<uint8_t>> split_records(const std::vector<uint8_t>& bytes) {
  std::vector<std::vector<uint8_t>> records;
  for (size_t at = 0; at + kHeaderSize <= bytes.size();) {
    const size_t size = kHeaderSize + (static_cast<size_t>(bytes[at + 3]) << 8 | bytes[at + 4]);
    if (at + size > bytes.size()) break;
    records.emplace_back(bytes.begin() + static_cast<long>(at), bytes.begin() + static_cast<long>(at + size));
    at += size;
  }
  return records;
}

// The description of the last plaintext alert record in `bytes`, or -1.
inline int last_alert(const std::vector<uint8_t>& bytes) {
  int alert = -1;
  for (const auto& r : split_records(bytes)) {
    if (r[0] == static_cast<uint8_t>(ContentType::kAlert) && r.size() == kHeaderSize + 2) alert = r[6];
  }
  return alert;
}

// The connection after the hand-over: our record layer on one side, the OpenSSL client on the other.
struct Connection {
  AeadEngine engine;
  TrafficKeys read, write;
  TrafficSecrets secrets;
  std::vector<uint8_t> leftover;

  // The OpenSSL peer SSL_writes each message, then our record layer opens each record.
  void peer_to_us(MemoryPeer& peer, const std::vector<std::vector<uint8_t>>& messages) {
    for (const auto& m : messages) peer.write(m);
    const auto records = split_records(peer.take());
    ASSERT_EQ(records.size(), messages.size());
    for (size_t i = 0; i < records.size(); ++i) {
      const Opened opened = our_open(engine, read, records[i]);
      ASSERT_EQ(opened.error, RecordError::kNone) << "record " << i;
      EXPECT_EQ(opened.type, ContentType::kApplicationData);
      EXPECT_EQ(opened.content, messages[i]);
    }
  }
  // Our record layer seals each message, then the OpenSSL peer SSL_reads it.
  void us_to_peer(MemoryPeer& peer, const std::vector<std::vector<uint8_t>>& messages) {
    for (const auto& m : messages) {
      const Sealed sealed = our_seal(engine, write, ContentType::kApplicationData, m);
      ASSERT_EQ(sealed.error, RecordError::kNone);
      peer.give(sealed.record);
    }
    for (size_t i = 0; i < messages.size(); ++i) {
      EXPECT_EQ(peer.read(messages[i].size()), messages[i]) << "record " << i;
    }
  }
  void client_to_us(Client& client, const std::vector<std::vector<uint8_t>>& messages) {
    peer_to_us(client, messages);
  }
  void us_to_client(Client& client, const std::vector<std::vector<uint8_t>>& messages) {
    us_to_peer(client, messages);
  }
};

}  // namespace tollgate::tls::testing
