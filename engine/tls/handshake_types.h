// Vocabulary of the handshakes, server and client (OpenSSL runs them, over memory BIOs; our record layer
// takes over after them): security policy, certificate files, progress and failure reasons, and the TLS 1.3
// traffic secrets kept for KeyUpdate. Types and their names only.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tollgate::tls {

// Which protocol versions and suites a listener accepts, or a pool offers its targets. Both keep forward
// secrecy (ECDHE or TLS 1.3) and AEAD-only suites, the only ones our record layer protects, and both
// key-exchange groups X25519, P-256 and P-384 only (context_setup.cc).
enum class SecurityPolicy : uint8_t {
  kDefault,    // TLS 1.3, and TLS 1.2 ECDHE-{ECDSA,RSA} with AES-128-GCM, AES-256-GCM, ChaCha20-Poly1305
  kTls13Only,  // TLS 1.3 only
};

// The spelling used in configuration files.
constexpr const char* policy_name(SecurityPolicy p) {
  return p == SecurityPolicy::kTls13Only ? "tls13-only" : "default";
}

inline std::optional<SecurityPolicy> parse_security_policy(std::string_view s) {
  if (s == "default") return SecurityPolicy::kDefault;
  if (s == "tls13-only") return SecurityPolicy::kTls13Only;
  return std::nullopt;
}

// One certificate with its key, both PEM files.
struct CertificateFiles {
  std::string chain_pem;  // the leaf first, then its intermediates (not the root)
  std::string key_pem;    // the leaf's private key, unencrypted
};

enum class HandshakeStatus : uint8_t {
  kInProgress,  // waiting for more bytes from the peer
  kDone,        // keys can be taken
  kFailed,      // the connection is over; anything to send (the alert) has been handed out
};

// Why a handshake failed, for per-reason counters. Each is what the alert OpenSSL sent says, or, for the
// client side, the alert the target sent us. Values are stable (counter indexes): new ones go at the end.
enum class HandshakeFailure : uint8_t {
  kNone,
  kNoSharedCipher,           // no suite (or signature algorithm, or group) in common: handshake_failure
  kUnsupportedVersion,       // the client cannot do TLS 1.2 (or 1.3 under kTls13Only): protocol_version
                             // (client side: the target cannot do what our policy offers)
  kNoApplicationProtocol,    // the client offered ALPN without http/1.1: no_application_protocol
  kBadCertificate,           // client side: the target's certificate chain does not verify against our CA
                             // bundle (unknown or self-signed issuer, expired, bad signature, ...): the
                             // alert for the X509 error (unknown_ca, certificate_expired, bad_certificate)
  kProtocolError,            // malformed or unexpected input (decode_error, unexpected_message,
                             // illegal_parameter such as a record_size_limit below 64, ...)
  kOther,                    // anything else (out of memory, an internal error, key extraction failed)
  kCertificateNameMismatch,  // client side: the chain verifies but names neither the target's host name
                             // nor its IP address (RFC 6125, RFC 9525): bad_certificate
};

// Stable snake_case names, used as counter names.
constexpr const char* failure_name(HandshakeFailure f) {
  switch (f) {
    case HandshakeFailure::kNone:
      return "none";
    case HandshakeFailure::kNoSharedCipher:
      return "no_shared_cipher";
    case HandshakeFailure::kUnsupportedVersion:
      return "unsupported_version";
    case HandshakeFailure::kNoApplicationProtocol:
      return "no_application_protocol";
    case HandshakeFailure::kBadCertificate:
      return "bad_certificate";
    case HandshakeFailure::kProtocolError:
      return "protocol_error";
    case HandshakeFailure::kOther:
      break;
    case HandshakeFailure::kCertificateNameMismatch:
      return "certificate_name_mismatch";
  }
  return "other";
}

// A TLS 1.3 connection's current application traffic secrets (RFC 8446 §7.1), kept so that KeyUpdate
// (§4.6.3) can derive the next generation. `read` is the peer's (on the server side the client's
// client_application_traffic_secret_N, on the client side the server's), `write` ours. `length` is the
// suite's hash length (32 or 48); 0 for TLS 1.2, which has no KeyUpdate. The owner wipes them
// (OPENSSL_cleanse) when the connection ends.
struct TrafficSecrets {
  std::array<uint8_t, 48> read{};
  std::array<uint8_t, 48> write{};
  uint8_t length = 0;
};

}  // namespace tollgate::tls
