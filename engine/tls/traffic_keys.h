// One direction's record-protection state for one connection: what the record layer needs to seal (our
// write direction) or open (the peer's) the next record. Types only, and no third-party header: the
// handshake library fills it through KeyInstaller (key_installer.h) without knowing the record layer's
// crypto library.
//
// Size: 1088 bytes, almost all of it the key in the form the AEAD backend that installed it works with —
// for ipsec-mb's AES-GCM the expanded schedule with its GHASH table (gcm_key_data, 1008 bytes: 15 round
// keys plus 48 powers of H for the VAES/AVX-512 code). Keeping it expanded costs memory but makes a
// record's crypto start without any per-record key set-up; a connection holds two of these.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "engine/tls/cipher_suite.h"

namespace tollgate::tls {

// Room for the largest backend form of a key (ipsec-mb's gcm_key_data; aead_ipsec_mb.cc checks it fits).
inline constexpr size_t kKeyMaterialSize = 1024;

struct TrafficKeys {
  // Sequence number of the next record in this direction (RFC 8446 §5.3, RFC 5246 §6.1): starts at 0 when
  // keys are installed, goes up by one per record, and is never allowed to wrap.
  uint64_t sequence = 0;
  // The static IV, laid out so that for every version and suite the nonce is iv XOR (0^4 || seq_be64):
  //   TLS 1.3 and TLS 1.2 ChaCha20-Poly1305: the 12-byte (write_)iv (RFC 8446 §5.3, RFC 7905 §2);
  //   TLS 1.2 GCM: the 4-byte salt followed by 8 zero bytes, so that sealing yields salt || seq, the
  //   nonce_explicit we send being seq (RFC 5288 §3). Opening TLS 1.2 GCM uses the peer's explicit nonce.
  std::array<uint8_t, kNonceSize> iv{};
  TlsVersion version = TlsVersion::kTls13;
  CipherSuite suite = CipherSuite::kAes128GcmSha256;
  bool installed = false;  // false until an install succeeds; the record layer refuses otherwise
  // Which AEAD backend put the key into `material` (AeadBackendKind, aead_backend.h): an engine refuses keys
  // in another backend's form rather than compute with the wrong bytes.
  uint8_t backend = 0;
  // The peer's record_size_limit for records sealed with these keys (RFC 8449 §4): TLS 1.3 counts the
  // inner content type and padding, TLS 1.2 the content. 0 means none was negotiated: the protocol maximum
  // (2^14 + 1, 2^14). Values above that maximum act as the maximum. Set by ServerHandshake::take_keys;
  // install() leaves it alone, so it survives KeyUpdate. Only sealing looks at it.
  uint16_t record_size_limit = 0;

  // The key in the form the installing backend takes it, prepared once at install (ipsec-mb: the expanded
  // GCM schedule and GHASH table, or the raw ChaCha20-Poly1305 key; OpenSSL EVP: the raw key). For GCM
  // under ipsec-mb the raw key is not kept: one fewer copy of the secret, nothing needs it after expansion.
  alignas(64) std::array<uint8_t, kKeyMaterialSize> material;
};

}  // namespace tollgate::tls
