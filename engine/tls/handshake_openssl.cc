#include "engine/tls/handshake_openssl.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <array>
#include <climits>
#include <optional>

#include "engine/tls/key_schedule.h"

namespace tollgate::tls {
namespace {

// The suites our contexts allow, by IANA number (RFC 8446 §B.4, RFC 5289, RFC 7905).
std::optional<CipherSuite> suite_of(uint16_t iana) {
  switch (iana) {
    case 0x1301:  // TLS_AES_128_GCM_SHA256
    case 0xc02b:  // TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
    case 0xc02f:  // TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
      return CipherSuite::kAes128GcmSha256;
    case 0x1302:  // TLS_AES_256_GCM_SHA384
    case 0xc02c:  // TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
    case 0xc030:  // TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
      return CipherSuite::kAes256GcmSha384;
    case 0x1303:  // TLS_CHACHA20_POLY1305_SHA256
    case 0xcca9:  // TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256
    case 0xcca8:  // TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256
      return CipherSuite::kChaCha20Poly1305Sha256;
    default:
      return std::nullopt;
  }
}

// Moves everything `bio` holds to the end of `out`.
void drain(BIO* bio, std::vector<uint8_t>& out) {
  const size_t pending = BIO_ctrl_pending(bio);
  if (pending == 0) return;
  const size_t start = out.size();
  out.resize(start + pending);
  const int n = BIO_read(bio, out.data() + start, static_cast<int>(pending));
  out.resize(start + static_cast<size_t>(n > 0 ? n : 0));
}

bool read_parameters(const SSL* ssl, NegotiatedParameters& out) {
  const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl);
  if (cipher == nullptr) return false;
  const std::optional<CipherSuite> suite = suite_of(SSL_CIPHER_get_protocol_id(cipher));
  const int version = SSL_version(ssl);
  if (!suite || (version != TLS1_3_VERSION && version != TLS1_2_VERSION)) return false;
  out.suite = *suite;
  out.version = version == TLS1_3_VERSION ? TlsVersion::kTls13 : TlsVersion::kTls12;
  out.cipher_id = SSL_CIPHER_get_protocol_id(cipher);
  out.cipher_name = SSL_CIPHER_standard_name(cipher);  // a static string in OpenSSL's cipher table
  if (out.cipher_name == nullptr) out.cipher_name = SSL_CIPHER_get_name(cipher);
  out.resumed = SSL_session_reused(ssl) == 1;
  const unsigned char* alpn = nullptr;
  unsigned int alpn_length = 0;
  SSL_get0_alpn_selected(ssl, &alpn, &alpn_length);
  out.alpn.assign(reinterpret_cast<const char*>(alpn), alpn != nullptr ? alpn_length : 0);
  return true;
}

bool derive_tls13(const NegotiatedParameters& negotiated, const HandshakeCallbackState& captured,
                  const KeyInstaller& installer, TrafficKeys& read, TrafficKeys& write,
                  TrafficSecrets& secrets) {
  const size_t length = captured.secrets.length;
  if (!captured.have_read_secret || !captured.have_write_secret || length != hash_size(negotiated.suite))
    return false;
  if (!install_from_secret(installer, read, negotiated.suite,
                           std::span(captured.secrets.read.data(), length)) ||
      !install_from_secret(installer, write, negotiated.suite,
                           std::span(captured.secrets.write.data(), length)))
    return false;
  secrets = captured.secrets;
  return true;
}

bool derive_tls12(const SSL* ssl, const NegotiatedParameters& negotiated, const KeyInstaller& installer,
                  TrafficKeys& read, TrafficKeys& write, TrafficSecrets& secrets) {
  std::array<uint8_t, SSL_MAX_MASTER_KEY_LENGTH> master;
  std::array<uint8_t, SSL3_RANDOM_SIZE> client_random, server_random;
  const SSL_SESSION* session = SSL_get_session(ssl);
  const size_t master_length =
      session != nullptr ? SSL_SESSION_get_master_key(session, master.data(), master.size()) : 0;
  const bool server = SSL_is_server(ssl) == 1;
  const bool ok =
      master_length > 0 &&
      SSL_get_client_random(ssl, client_random.data(), client_random.size()) == client_random.size() &&
      SSL_get_server_random(ssl, server_random.data(), server_random.size()) == server_random.size() &&
      install_tls12_keys(installer, negotiated.suite, std::span(master.data(), master_length), client_random,
                         server_random, server ? read : write, server ? write : read);
  OPENSSL_cleanse(master.data(), master.size());
  if (ok) secrets = TrafficSecrets{};
  return ok;
}

// OpenSSL's message callback, for every record header and message it reads or writes: counts the peer's
// records after its ChangeCipherSpec record (HandshakeCallbackState::peer_protected_records), from the
// headers of the records it reads (OpenSSL 3.0 reports no read ChangeCipherSpec message of its own).
void count_peer_records(int write_p, int, int content_type, const void* buf, size_t length, SSL*, void* arg) {
  if (write_p != 0 || content_type != SSL3_RT_HEADER || length < 1) return;
  auto* state = static_cast<HandshakeCallbackState*>(arg);
  if (state->peer_changed_cipher) {
    ++state->peer_protected_records;
  } else if (static_cast<const uint8_t*>(buf)[0] == SSL3_RT_CHANGE_CIPHER_SPEC) {
    state->peer_changed_cipher = true;
  }
}

}  // namespace

OpenSslHandshake::OpenSslHandshake(SSL_CTX* ctx, bool server) {
  ssl_ = SSL_new(ctx);
  from_peer_ = BIO_new(BIO_s_mem());
  to_peer_ = BIO_new(BIO_s_mem());
  if (ssl_ == nullptr || from_peer_ == nullptr || to_peer_ == nullptr) {
    BIO_free(from_peer_);
    BIO_free(to_peer_);
    from_peer_ = to_peer_ = nullptr;
    fail(HandshakeFailure::kOther);
    return;
  }
  SSL_set_bio(ssl_, from_peer_, to_peer_);  // the SSL owns both from here
  if (server) {
    SSL_set_accept_state(ssl_);
  } else {
    SSL_set_connect_state(ssl_);
  }
  attach_callback_state(ssl_, &callbacks_);
  SSL_set_msg_callback(ssl_, count_peer_records);
  SSL_set_msg_callback_arg(ssl_, &callbacks_);
}

OpenSslHandshake::~OpenSslHandshake() {
  release_ssl();
  OPENSSL_cleanse(&callbacks_.secrets, sizeof(callbacks_.secrets));
}

void OpenSslHandshake::release_ssl() {
  SSL_free(ssl_);  // frees the BIOs; OpenSSL wipes its own copies of the secrets
  ssl_ = nullptr;
  from_peer_ = to_peer_ = nullptr;
}

HandshakeStatus OpenSslHandshake::fail(HandshakeFailure reason) {
  status_ = HandshakeStatus::kFailed;
  failure_ = reason;
  ERR_clear_error();
  release_ssl();
  return status_;
}

bool OpenSslHandshake::accept_input(std::span<const uint8_t> in) {
  if (status_ == HandshakeStatus::kFailed) return false;
  if (ssl_ == nullptr) return false;  // keys already taken: the record layer owns the stream now
  for (size_t at = 0; at < in.size();) {
    const int piece = static_cast<int>(std::min<size_t>(in.size() - at, INT_MAX));
    if (BIO_write(from_peer_, in.data() + at, piece) != piece) {
      fail(HandshakeFailure::kOther);
      return false;
    }
    at += static_cast<size_t>(piece);
  }
  return status_ != HandshakeStatus::kDone;  // once done, kept for take_keys' leftover
}

HandshakeStatus OpenSslHandshake::run(std::vector<uint8_t>& out) {
  if (ssl_ == nullptr || status_ != HandshakeStatus::kInProgress) return status_;
  ERR_clear_error();
  const int rc = SSL_do_handshake(ssl_);
  drain(to_peer_, out);
  if (rc == 1) {
    // Bytes left inside OpenSSL's record buffer would be lost at hand-over: a peer that put more
    // handshake data after its Finished in the same record. Without read-ahead nothing else is buffered.
    if (SSL_has_pending(ssl_) != 0) return fail(HandshakeFailure::kProtocolError);
    if (!read_parameters(ssl_, negotiated_)) return fail(HandshakeFailure::kOther);
    status_ = HandshakeStatus::kDone;
    return status_;
  }
  if (SSL_get_error(ssl_, rc) == SSL_ERROR_WANT_READ) return status_;
  return HandshakeStatus::kFailed;  // for the caller to classify, then fail()
}

bool OpenSslHandshake::hand_over(const KeyInstaller& installer, TrafficKeys& read, TrafficKeys& write,
                                 TrafficSecrets& secrets, std::vector<uint8_t>& leftover) {
  if (status_ != HandshakeStatus::kDone || ssl_ == nullptr) return false;
  const bool ok = negotiated_.version == TlsVersion::kTls13
                      ? derive_tls13(negotiated_, callbacks_, installer, read, write, secrets)
                      : derive_tls12(ssl_, negotiated_, installer, read, write, secrets);
  OPENSSL_cleanse(&callbacks_.secrets, sizeof(callbacks_.secrets));
  if (!ok) {
    KeyInstaller::erase(read);
    KeyInstaller::erase(write);
    fail(HandshakeFailure::kOther);
    return false;
  }
  drain(from_peer_, leftover);
  release_ssl();
  return true;
}

HandshakeFailure classify_ssl_error() {
  const unsigned long e = ERR_peek_error();  // the first error queued: the cause, not its consequences
  if (e == 0 || ERR_GET_LIB(e) != ERR_LIB_SSL) return HandshakeFailure::kOther;
  switch (ERR_GET_REASON(e)) {
    case SSL_R_NO_SHARED_CIPHER:
    case SSL_R_NO_SHARED_SIGNATURE_ALGORITHMS:
    case SSL_R_NO_SHARED_GROUPS:
    case SSL_R_NO_SUITABLE_KEY_SHARE:
    case SSL_R_NO_SUITABLE_SIGNATURE_ALGORITHM:
      return HandshakeFailure::kNoSharedCipher;
    case SSL_R_UNSUPPORTED_PROTOCOL:
    case SSL_R_VERSION_TOO_LOW:
    case SSL_R_VERSION_TOO_HIGH:
    case SSL_R_BAD_PROTOCOL_VERSION_NUMBER:
      return HandshakeFailure::kUnsupportedVersion;
    case SSL_R_NO_APPLICATION_PROTOCOL:
      return HandshakeFailure::kNoApplicationProtocol;
    default:
      return HandshakeFailure::kProtocolError;
  }
}

}  // namespace tollgate::tls
