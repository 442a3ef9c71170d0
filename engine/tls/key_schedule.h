// The parts of the TLS key schedules our record layer needs once OpenSSL has finished the handshake:
// record keys from a TLS 1.3 traffic secret (RFC 8446 §7.3), the next secret for KeyUpdate (§7.2), and the
// TLS 1.2 key block (RFC 5246 §6.3). OpenSSL's KDFs (HKDF, TLS1-PRF) do the hashing; every intermediate
// secret is wiped with OPENSSL_cleanse before returning.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "engine/tls/cipher_suite.h"
#include "engine/tls/key_installer.h"
#include "engine/tls/traffic_keys.h"

namespace tollgate::tls {

// The suite's hash length: SHA-384 for AES-256-GCM, SHA-256 otherwise (RFC 8446 §B.4; RFC 5289 and
// RFC 7905 for the TLS 1.2 PRF).
constexpr size_t hash_size(CipherSuite s) {
  return s == CipherSuite::kAes256GcmSha384 ? 48 : 32;
}

// RFC 8446 §7.1: HKDF-Expand-Label(secret, label, context, out.size()) with the suite's hash; the "tls13 "
// prefix is added here. False if OpenSSL fails or the label or context is too long.
bool hkdf_expand_label(CipherSuite suite, std::span<const uint8_t> secret, std::string_view label,
                       std::span<const uint8_t> context, std::span<uint8_t> out);

// KeyUpdate (RFC 8446 §7.2): secret = HKDF-Expand-Label(secret, "traffic upd", "", Hash.length), in place.
// `secret` must be exactly hash_size(suite) bytes.
bool update_traffic_secret(CipherSuite suite, std::span<uint8_t> secret);

// RFC 8446 §7.3: key = HKDF-Expand-Label(secret, "key", "", key_length), iv = (..., "iv", "", 12), then
// installer.install: `keys` carries TLS 1.3 records of `suite` from sequence number 0.
bool install_from_secret(const KeyInstaller& installer, TrafficKeys& keys, CipherSuite suite,
                         std::span<const uint8_t> secret);

// TLS 1.2 (RFC 5246 §6.3): key_block = PRF(master_secret, "key expansion", server_random || client_random)
// with the suite's PRF hash, cut into client_write_key, server_write_key, client_write_IV,
// server_write_IV (AEAD suites have no MAC keys; GCM IVs are the 4-byte salt of RFC 5288, ChaCha20's the
// 12-byte IV of RFC 7905). Installs the client's keys in `client` and ours in `server`, sequence 0.
bool install_tls12_keys(const KeyInstaller& installer, CipherSuite suite,
                        std::span<const uint8_t> master_secret, std::span<const uint8_t> client_random,
                        std::span<const uint8_t> server_random, TrafficKeys& client, TrafficKeys& server);

}  // namespace tollgate::tls
