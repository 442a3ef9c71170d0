// One direction's record-protection state for one connection: what the record layer needs to seal (our
// write direction) or open (the peer's) the next record. Types only; AeadEngine::install fills it.
//
// Size: 1088 bytes, almost all of it the AES-GCM key schedule with its GHASH table (ipsec-mb's
// gcm_key_data: 15 round keys plus 48 powers of H for the VAES/AVX-512 code, 64-byte aligned). Keeping it
// expanded costs memory but makes a record's crypto start without any per-record key set-up; a connection
// holds two of these. ChaCha20-Poly1305 has no key schedule: its 32-byte key overlays the same storage.
#pragma once

// The ipsec-mb header defines compatibility macros with generic names (MAX_JOBS, CIPHER_HASH, ...) unless
// told not to; the build defines NO_COMPAT_IMB_API_053 for every user of this library.
#include <intel-ipsec-mb.h>

#include <array>
#include <cstdint>

#include "engine/tls/cipher_suite.h"

namespace tollgate::tls {

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
  bool installed = false;  // false until AeadEngine::install succeeds; the record layer refuses otherwise
  // The peer's record_size_limit for records sealed with these keys (RFC 8449 §4): TLS 1.3 counts the
  // inner content type and padding, TLS 1.2 the content. 0 means none was negotiated: the protocol maximum
  // (2^14 + 1, 2^14). Values above that maximum act as the maximum. Set by ServerHandshake::take_keys;
  // install() leaves it alone, so it survives KeyUpdate. Only sealing looks at it.
  uint16_t record_size_limit = 0;

  // The key in the form ipsec-mb's job API takes it (enc_keys/dec_keys): for GCM the expanded schedule
  // and GHASH table prepared once at install; for ChaCha20-Poly1305 the raw key. The raw GCM key is not
  // kept: one fewer copy of the secret, and nothing needs it after expansion.
  union Material {
    gcm_key_data gcm;
    std::array<uint8_t, kMaxKeySize> chacha;
  };
  alignas(64) Material material;
};

}  // namespace tollgate::tls
