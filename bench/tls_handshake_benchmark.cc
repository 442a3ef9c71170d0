// TLS 1.3 handshakes per second between an in-memory OpenSSL client and our server side (ServerContext +
// ServerHandshake over memory buffers, then take_keys() handing the keys to the record layer), with an ECDSA
// P-256 or an RSA-2048 certificate made at start-up, full and resumed (session tickets, under a
// TicketKeyRing as the dataplane uses; the resumed handshake still runs the ECDHE key exchange, psk_dhe_ke,
// which is what OpenSSL clients do). Part of tls_benchmark (its main is in tls_benchmark.cc).
//
// Names: handshake_<full|resumed>/<who>/<certificate>
//   who = tollgate_server   only our server side is timed (the client's work runs with the timer paused):
//                           the server CPU per handshake, the figure the 250 us target is about
//         openssl_ssl       the baseline: OpenSSL's own server (SSL_do_handshake) configured like ours, its
//                           ticket keys and no callbacks of ours; server CPU alone, as tollgate_server
//         client_and_server both sides in one thread, as a client-plus-server loop would see it
// Items are handshakes. The default group is OpenSSL's first (X25519). Pausing the timer costs about a
// microsecond per pause, small against a handshake's hundreds.
#include <benchmark/benchmark.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "engine/tls/aead_engine.h"
#include "engine/tls/context_setup.h"
#include "engine/tls/server_context.h"
#include "engine/tls/server_handshake.h"
#include "engine/tls/ticket_keys.h"
#include "tests/unit/tls/test_certificates.h"

namespace {

using namespace tollgate::tls;

// The two server contexts (one certificate each, so the key type is fixed), made once: RSA key
// generation takes a while. The PEM files live in a temporary directory only until the contexts load them.
struct Servers {
  std::unique_ptr<ServerContext> ecdsa, rsa;
  SSL_CTX* openssl_ecdsa = nullptr;  // the baseline's: the same certificates and settings, OpenSSL alone
  SSL_CTX* openssl_rsa = nullptr;
  std::string error;

  static Servers& get() {
    static Servers s;
    return s;
  }

 private:
  Servers() {
    char tmpl[] = "/tmp/tollgate-bench-certs-XXXXXX";
    const char* dir = mkdtemp(tmpl);
    if (dir == nullptr) {
      error = "mkdtemp failed";
      return;
    }
    const auto tickets = TicketKeyRing::create();
    using testing::KeyType;
    const auto ecdsa_files = testing::make_certificate(dir, "ecdsa", KeyType::kEcdsaP256, "bench-ecdsa",
                                                       "DNS:bench.tollgate.test");
    const auto rsa_files =
        testing::make_certificate(dir, "rsa", KeyType::kRsa2048, "bench-rsa", "DNS:bench.tollgate.test");
    ecdsa = ServerContext::create({ecdsa_files}, SecurityPolicy::kTls13Only, error, tickets);
    if (ecdsa) rsa = ServerContext::create({rsa_files}, SecurityPolicy::kTls13Only, error, tickets);
    openssl_ecdsa = openssl_server_context(ecdsa_files);
    openssl_rsa = openssl_server_context(rsa_files);
    if (openssl_ecdsa == nullptr || openssl_rsa == nullptr)
      error = "OpenSSL server context: " + openssl_error();
    std::filesystem::remove_all(dir);
  }

  // Configured as ServerContext configures its own (policy, one TLS 1.3 ticket, no session-ID cache, no
  // early data) but with OpenSSL's own ticket keys and none of our callbacks.
  static SSL_CTX* openssl_server_context(const CertificateFiles& files) {
    SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    if (!apply_security_policy(ctx, SecurityPolicy::kTls13Only) || SSL_CTX_set_num_tickets(ctx, 1) != 1 ||
        SSL_CTX_set_max_early_data(ctx, 0) != 1 ||
        SSL_CTX_use_certificate_chain_file(ctx, files.chain_pem.c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx, files.key_pem.c_str(), SSL_FILETYPE_PEM) != 1) {
      SSL_CTX_free(ctx);
      return nullptr;
    }
    return ctx;
  }
};

// Our server side: ServerHandshake, then the keys handed over to the record layer (and wiped again).
class TollgateServer {
 public:
  TollgateServer(const Servers& s, bool rsa, AeadEngine& engine)
      : hs_(rsa ? *s.rsa : *s.ecdsa), engine_(engine) {}
  HandshakeStatus feed(const std::vector<uint8_t>& in, std::vector<uint8_t>& out) {
    return hs_.feed(in, out);
  }
  bool resumed() const { return hs_.resumed(); }  // before finish(), which frees the SSL
  bool finish() {
    TrafficKeys read, write;
    TrafficSecrets secrets;
    std::vector<uint8_t> leftover;
    const bool ok = hs_.take_keys(engine_, read, write, secrets, leftover);
    AeadEngine::erase(read);
    AeadEngine::erase(write);
    return ok;
  }

 private:
  ServerHandshake hs_;
  AeadEngine& engine_;
};

// The baseline: OpenSSL's own server over memory BIOs, what an OpenSSL-based proxy pays per handshake;
// its keys stay inside OpenSSL, so there is nothing to hand over.
class OpenSslServer {
 public:
  OpenSslServer(const Servers& s, bool rsa, AeadEngine&)
      : ssl_(SSL_new(rsa ? s.openssl_rsa : s.openssl_ecdsa)) {
    in_ = BIO_new(BIO_s_mem());
    out_ = BIO_new(BIO_s_mem());
    SSL_set_bio(ssl_, in_, out_);
    SSL_set_accept_state(ssl_);
  }
  ~OpenSslServer() {
    SSL_free(ssl_);
    ERR_clear_error();
  }
  OpenSslServer(const OpenSslServer&) = delete;
  OpenSslServer& operator=(const OpenSslServer&) = delete;

  HandshakeStatus feed(const std::vector<uint8_t>& in, std::vector<uint8_t>& out) {
    if (!in.empty()) BIO_write(in_, in.data(), static_cast<int>(in.size()));
    const int r = SSL_do_handshake(ssl_);
    const size_t at = out.size();
    out.resize(at + BIO_ctrl_pending(out_));
    if (out.size() > at) BIO_read(out_, out.data() + at, static_cast<int>(out.size() - at));
    if (r == 1) return HandshakeStatus::kDone;
    return SSL_get_error(ssl_, r) == SSL_ERROR_WANT_READ ? HandshakeStatus::kInProgress
                                                         : HandshakeStatus::kFailed;
  }
  bool resumed() const { return SSL_session_reused(ssl_) == 1; }
  bool finish() { return true; }

 private:
  SSL* ssl_;
  BIO* in_;
  BIO* out_;
};

// An OpenSSL TLS 1.3 client over memory BIOs, not verifying the certificate (a benchmark, not a check).
class Client {
 public:
  explicit Client(SSL_CTX* ctx, SSL_SESSION* session) : ssl_(SSL_new(ctx)) {
    in_ = BIO_new(BIO_s_mem());
    out_ = BIO_new(BIO_s_mem());
    SSL_set_bio(ssl_, in_, out_);
    SSL_set_connect_state(ssl_);
    SSL_set_tlsext_host_name(ssl_, "bench.tollgate.test");
    if (session != nullptr) SSL_set_session(ssl_, session);
  }
  ~Client() {
    SSL_free(ssl_);
    ERR_clear_error();
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Takes the server's bytes, advances the handshake (or, after it, reads the tickets), and returns what
  // the client sends next.
  std::vector<uint8_t> step(const std::vector<uint8_t>& from_server) {
    if (!from_server.empty()) BIO_write(in_, from_server.data(), static_cast<int>(from_server.size()));
    if (!SSL_is_init_finished(ssl_)) {
      SSL_do_handshake(ssl_);
    } else {
      uint8_t byte;
      SSL_read(ssl_, &byte, 1);  // processes NewSessionTicket records; no application data comes
    }
    std::vector<uint8_t> bytes(BIO_ctrl_pending(out_));
    if (!bytes.empty()) BIO_read(out_, bytes.data(), static_cast<int>(bytes.size()));
    return bytes;
  }
  bool done() const { return SSL_is_init_finished(ssl_); }
  // The session to resume with (its ticket read by step() after the handshake); the caller frees it.
  SSL_SESSION* get1_session() {
    SSL_set_shutdown(ssl_, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);  // a clean close keeps it resumable
    return SSL_get1_session(ssl_);
  }

 private:
  SSL* ssl_;
  BIO* in_;
  BIO* out_;
};

SSL_CTX* client_context() {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
  return ctx;
}

// One handshake: client and server exchange flights until both are done, the server finishes (hands its
// keys over), and the client reads its tickets. `timed_server_only` pauses the timer around the client's
// work. Returns an error text, or nullptr.
template <typename Server>
const char* handshake(benchmark::State& state, bool rsa, SSL_CTX* client_ctx, SSL_SESSION* session,
                      bool timed_server_only, AeadEngine& engine, bool& resumed, SSL_SESSION** keep_session) {
  if (timed_server_only) state.PauseTiming();
  Client client(client_ctx, session);
  std::vector<uint8_t> to_server = client.step({}), to_client;
  if (timed_server_only) state.ResumeTiming();
  Server server(Servers::get(), rsa, engine);
  HandshakeStatus status = HandshakeStatus::kInProgress;
  for (int flight = 0; flight < 4 && status == HandshakeStatus::kInProgress; ++flight) {
    to_client.clear();
    status = server.feed(to_server, to_client);
    if (timed_server_only) state.PauseTiming();
    to_server = client.step(to_client);
    if (timed_server_only) state.ResumeTiming();
  }
  if (status != HandshakeStatus::kDone) return "handshake did not complete";
  resumed = server.resumed();
  if (!server.finish()) return "take_keys failed";
  if (timed_server_only) state.PauseTiming();
  const bool ok = client.done();
  if (keep_session != nullptr) *keep_session = client.get1_session();
  if (timed_server_only) state.ResumeTiming();
  return ok ? nullptr : "client not done";
}

template <typename Server>
void BM_Handshake(benchmark::State& state, bool rsa, bool resume, bool timed_server_only) {
  const Servers& servers = Servers::get();
  if (!servers.error.empty() || !servers.ecdsa || !servers.rsa) {
    return state.SkipWithError(servers.error.c_str());
  }
  SSL_CTX* client_ctx = client_context();
  AeadEngine engine;
  SSL_SESSION* session = nullptr;
  bool resumed = false;
  if (resume) {  // a first, full handshake gives the ticket the first timed one resumes with
    if (const char* e =
            handshake<Server>(state, rsa, client_ctx, nullptr, false, engine, resumed, &session)) {
      SSL_CTX_free(client_ctx);
      return state.SkipWithError(e);
    }
  }
  benchmark::IterationCount resumed_count = 0;
  for (auto _ : state) {
    // OpenSSL clients use a TLS 1.3 ticket once (RFC 8446 §C.4): each resumption takes the ticket the
    // previous handshake handed out.
    SSL_SESSION* next = nullptr;
    if (const char* e = handshake<Server>(state, rsa, client_ctx, session, timed_server_only, engine, resumed,
                                          resume ? &next : nullptr)) {
      state.SkipWithError(e);
      break;
    }
    if (resume) {
      SSL_SESSION_free(session);
      session = next;
    }
    resumed_count += resumed ? 1 : 0;
  }
  if (resume && resumed_count != state.iterations()) state.SkipWithError("a handshake was not resumed");
  if (!resume && resumed_count != 0) state.SkipWithError("a full handshake was resumed");
  SSL_SESSION_free(session);
  SSL_CTX_free(client_ctx);
  state.SetItemsProcessed(state.iterations());
}

const bool kRegistered = [] {
  using Bench = void (*)(benchmark::State&, bool, bool, bool);
  const std::tuple<const char*, Bench, bool> impls[] = {
      {"tollgate_server", BM_Handshake<TollgateServer>, true},
      {"openssl_ssl", BM_Handshake<OpenSslServer>, true},
      {"client_and_server", BM_Handshake<TollgateServer>, false},
  };
  for (const bool resume : {false, true}) {
    for (const auto& [impl, fn, server_only] : impls) {
      for (const bool rsa : {false, true}) {
        const std::string name = std::string(resume ? "handshake_resumed/" : "handshake_full/") + impl + "/" +
                                 (rsa ? "rsa_2048" : "ecdsa_p256");
        benchmark::RegisterBenchmark(name.c_str(), fn, rsa, resume, server_only);
      }
    }
  }
  return true;
}();

}  // namespace
