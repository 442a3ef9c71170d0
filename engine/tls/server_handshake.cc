#include "engine/tls/server_handshake.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <array>
#include <climits>
#include <optional>

#include "engine/tls/key_schedule.h"
#include "engine/tls/record_types.h"
#include "engine/tls/server_context.h"

namespace tollgate::tls {
namespace {

// The suites ServerContext allows, by IANA number (RFC 8446 §B.4, RFC 5289, RFC 7905).
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

// Records of outer type application_data in `bytes` (whole records only; OpenSSL writes whole records).
// In TLS 1.3 every encrypted record has that outer type (RFC 8446 §5.2).
uint64_t count_encrypted_records(std::span<const uint8_t> bytes) {
  uint64_t count = 0;
  size_t at = 0;
  while (bytes.size() - at >= kHeaderSize) {
    const size_t length = static_cast<size_t>(bytes[at + 3]) << 8 | bytes[at + 4];
    if (bytes[at] == static_cast<uint8_t>(ContentType::kApplicationData)) ++count;
    at += kHeaderSize + length;
    if (at > bytes.size()) break;
  }
  return count;
}

// TLS 1.3, RFC 8449 §4: the encrypted records from `start` on (the NewSessionTickets OpenSSL wrote as the
// handshake completed) are removed, all of them, when one carries more than `limit` bytes of inner
// plaintext — a ticket may span records, so they go together. OpenSSL cannot cut records below 512 bytes.
void drop_tickets_over(std::vector<uint8_t>& out, size_t start, uint16_t limit) {
  bool over = false;
  for (size_t at = start; out.size() - at >= kHeaderSize;) {
    const size_t length = static_cast<size_t>(out[at + 3]) << 8 | out[at + 4];
    if (out.size() - at - kHeaderSize < length) break;
    over =
        over || (out[at] == static_cast<uint8_t>(ContentType::kApplicationData) && length > limit + kTagSize);
    at += kHeaderSize + length;
  }
  if (!over) return;
  size_t kept = start;
  for (size_t at = start; at < out.size();) {
    const bool whole_header = out.size() - at >= kHeaderSize;
    const size_t end = whole_header
                           ? std::min(out.size(), at + kHeaderSize + (size_t{out[at + 3]} << 8 | out[at + 4]))
                           : out.size();
    if (!whole_header || out[at] != static_cast<uint8_t>(ContentType::kApplicationData)) {
      std::copy(out.begin() + static_cast<std::ptrdiff_t>(at), out.begin() + static_cast<std::ptrdiff_t>(end),
                out.begin() + static_cast<std::ptrdiff_t>(kept));
      kept += end - at;
    }
    at = end;
  }
  out.resize(kept);
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

}  // namespace

ServerHandshake::ServerHandshake(const ServerContext& context) {
  callbacks_.context = &context;
  ssl_ = SSL_new(context.initial_context());
  from_client_ = BIO_new(BIO_s_mem());
  to_client_ = BIO_new(BIO_s_mem());
  if (ssl_ == nullptr || from_client_ == nullptr || to_client_ == nullptr) {
    BIO_free(from_client_);
    BIO_free(to_client_);
    from_client_ = to_client_ = nullptr;
    fail(HandshakeFailure::kOther);
    return;
  }
  SSL_set_bio(ssl_, from_client_, to_client_);  // the SSL owns both from here
  SSL_set_accept_state(ssl_);
  attach_callback_state(ssl_, &callbacks_);
}

ServerHandshake::~ServerHandshake() {
  release_ssl();
  OPENSSL_cleanse(&callbacks_.secrets, sizeof(callbacks_.secrets));
}

void ServerHandshake::release_ssl() {
  SSL_free(ssl_);  // frees the BIOs; OpenSSL wipes its own copies of the secrets
  ssl_ = nullptr;
  from_client_ = to_client_ = nullptr;
}

HandshakeStatus ServerHandshake::fail(HandshakeFailure reason) {
  status_ = HandshakeStatus::kFailed;
  failure_ = reason;
  ERR_clear_error();
  release_ssl();
  return status_;
}

HandshakeStatus ServerHandshake::feed(std::span<const uint8_t> in, std::vector<uint8_t>& out) {
  if (status_ == HandshakeStatus::kFailed) return status_;
  if (ssl_ == nullptr) return status_;  // keys already taken: the record layer owns the stream now
  for (size_t at = 0; at < in.size();) {
    const int piece = static_cast<int>(std::min<size_t>(in.size() - at, INT_MAX));
    if (BIO_write(from_client_, in.data() + at, piece) != piece) return fail(HandshakeFailure::kOther);
    at += static_cast<size_t>(piece);
  }
  if (status_ == HandshakeStatus::kDone) return status_;  // kept for take_keys' leftover

  const size_t out_start = out.size();
  ERR_clear_error();
  const int rc = SSL_do_handshake(ssl_);
  drain(to_client_, out);
  if (rc == 1) {
    // Bytes left inside OpenSSL's record buffer would be lost at hand-over: a client that put more
    // handshake data after its Finished in the same record. Without read-ahead nothing else is buffered.
    if (SSL_has_pending(ssl_) != 0) return fail(HandshakeFailure::kProtocolError);
    if (!record_parameters()) return fail(HandshakeFailure::kOther);
    // The server's Finished went out in an earlier call (the client's Finished, which completed the
    // handshake, covers it), so every encrypted record of this call's output is under the application
    // keys: the TLS 1.3 NewSessionTickets OpenSSL sends immediately. TLS 1.2's Finished is sequence 0.
    if (version_ == TlsVersion::kTls13 && callbacks_.peer_record_size_limit != 0)
      drop_tickets_over(out, out_start, callbacks_.peer_record_size_limit);
    application_records_written_ =
        version_ == TlsVersion::kTls13
            ? count_encrypted_records(std::span<const uint8_t>(out).subspan(out_start))
            : 1;
    status_ = HandshakeStatus::kDone;
    return status_;
  }
  const int error = SSL_get_error(ssl_, rc);
  if (error == SSL_ERROR_WANT_READ) return status_;
  return fail(classify_failure());
}

HandshakeFailure ServerHandshake::classify_failure() const {
  if (callbacks_.alpn_refused) return HandshakeFailure::kNoApplicationProtocol;
  if (callbacks_.record_size_limit_refused) return HandshakeFailure::kProtocolError;  // illegal_parameter
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

bool ServerHandshake::record_parameters() {
  const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl_);
  if (cipher == nullptr) return false;
  const std::optional<CipherSuite> suite = suite_of(SSL_CIPHER_get_protocol_id(cipher));
  const int version = SSL_version(ssl_);
  if (!suite || (version != TLS1_3_VERSION && version != TLS1_2_VERSION)) return false;
  suite_ = *suite;
  version_ = version == TLS1_3_VERSION ? TlsVersion::kTls13 : TlsVersion::kTls12;
  cipher_id_ = SSL_CIPHER_get_protocol_id(cipher);
  cipher_name_ = SSL_CIPHER_standard_name(cipher);  // a static string in OpenSSL's cipher table
  if (cipher_name_ == nullptr) cipher_name_ = SSL_CIPHER_get_name(cipher);
  resumed_ = SSL_session_reused(ssl_) == 1;
  const char* name = SSL_get_servername(ssl_, TLSEXT_NAMETYPE_host_name);
  sni_ = name != nullptr ? name : "";
  const unsigned char* alpn = nullptr;
  unsigned int alpn_length = 0;
  SSL_get0_alpn_selected(ssl_, &alpn, &alpn_length);
  alpn_.assign(reinterpret_cast<const char*>(alpn), alpn != nullptr ? alpn_length : 0);
  return true;
}

bool ServerHandshake::take_keys(AeadEngine& engine, TrafficKeys& read, TrafficKeys& write,
                                TrafficSecrets& secrets, std::vector<uint8_t>& leftover) {
  if (status_ != HandshakeStatus::kDone || ssl_ == nullptr) return false;
  bool ok = false;
  if (version_ == TlsVersion::kTls13) {
    const TrafficSecrets& captured = callbacks_.secrets;
    const size_t length = captured.length;
    ok = callbacks_.have_read_secret && callbacks_.have_write_secret && length == hash_size(suite_) &&
         install_from_secret(engine, read, suite_, std::span(captured.read.data(), length)) &&
         install_from_secret(engine, write, suite_, std::span(captured.write.data(), length));
    if (ok) {
      secrets = captured;
      read.sequence = 0;
      write.sequence = application_records_written_;
    }
  } else {
    std::array<uint8_t, SSL_MAX_MASTER_KEY_LENGTH> master;
    std::array<uint8_t, SSL3_RANDOM_SIZE> client_random, server_random;
    const SSL_SESSION* session = SSL_get_session(ssl_);
    const size_t master_length =
        session != nullptr ? SSL_SESSION_get_master_key(session, master.data(), master.size()) : 0;
    ok = master_length > 0 &&
         SSL_get_client_random(ssl_, client_random.data(), client_random.size()) == client_random.size() &&
         SSL_get_server_random(ssl_, server_random.data(), server_random.size()) == server_random.size() &&
         install_tls12_keys(engine, suite_, std::span(master.data(), master_length), client_random,
                            server_random, read, write);
    OPENSSL_cleanse(master.data(), master.size());
    if (ok) {
      secrets = TrafficSecrets{};
      read.sequence = 1;
      write.sequence = 1;
    }
  }
  OPENSSL_cleanse(&callbacks_.secrets, sizeof(callbacks_.secrets));
  // RFC 8449 §4: what we seal keeps to the client's limit; what we open, to the one we announced (the
  // protocol maximum, which the record layer enforces anyway).
  write.record_size_limit = callbacks_.peer_record_size_limit;
  read.record_size_limit = 0;
  if (!ok) {
    AeadEngine::erase(read);
    AeadEngine::erase(write);
    fail(HandshakeFailure::kOther);
    return false;
  }
  drain(from_client_, leftover);
  release_ssl();
  return true;
}

}  // namespace tollgate::tls
