// The AEAD cipher suites the record layer protects records with, and the protocol versions whose record
// framing it speaks. Types and constants only.
//
// A TLS 1.3 suite (RFC 8446 §B.4) and the TLS 1.2 ECDHE suites with the same AEAD share everything the
// record layer needs, so one enumerator names both:
//   kAes128GcmSha256        TLS_AES_128_GCM_SHA256        / TLS_ECDHE_{RSA,ECDSA}_WITH_AES_128_GCM_SHA256
//   (RFC 5289) kAes256GcmSha384        TLS_AES_256_GCM_SHA384        /
//   TLS_ECDHE_{RSA,ECDSA}_WITH_AES_256_GCM_SHA384 (RFC 5289) kChaCha20Poly1305Sha256
//   TLS_CHACHA20_POLY1305_SHA256  / TLS_ECDHE_{RSA,ECDSA}_WITH_CHACHA20_POLY1305_SHA256 (RFC 7905)
// The hash only matters to the key schedule, which is not ours (OpenSSL runs the handshake).
#pragma once

#include <cstddef>
#include <cstdint>

namespace tollgate::tls {

enum class CipherSuite : uint8_t {
  kAes128GcmSha256,
  kAes256GcmSha384,
  kChaCha20Poly1305Sha256,
};

enum class TlsVersion : uint8_t {
  kTls12,
  kTls13,
};

// Every suite here has a 12-byte nonce and a 16-byte tag (RFC 5116 §5.1/5.2, RFC 8439 §2.8).
inline constexpr size_t kNonceSize = 12;
inline constexpr size_t kTagSize = 16;
inline constexpr size_t kMaxKeySize = 32;

constexpr size_t key_size(CipherSuite s) {
  return s == CipherSuite::kAes128GcmSha256 ? 16 : 32;
}

constexpr bool is_gcm(CipherSuite s) {
  return s != CipherSuite::kChaCha20Poly1305Sha256;
}

// Length of the IV material the key schedule gives the record layer for this direction: TLS 1.3 always
// derives a 12-byte write_iv (RFC 8446 §7.3); TLS 1.2 GCM a 4-byte salt (RFC 5288 §3, "fixed_iv_length"),
// TLS 1.2 ChaCha20-Poly1305 a 12-byte IV (RFC 7905 §2).
constexpr size_t iv_size(TlsVersion v, CipherSuite s) {
  return v == TlsVersion::kTls12 && is_gcm(s) ? 4 : 12;
}

// Bytes of explicit nonce carried in each record after the header: only TLS 1.2 GCM sends one (the
// 8-byte nonce_explicit of RFC 5288 §3).
constexpr size_t explicit_nonce_size(TlsVersion v, CipherSuite s) {
  return v == TlsVersion::kTls12 && is_gcm(s) ? 8 : 0;
}

}  // namespace tollgate::tls
