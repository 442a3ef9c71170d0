// An independent TLS record protector on OpenSSL EVP, written from the RFCs for the tests to check the
// ipsec-mb record layer against (picotls-style: two backends, one expectation). It shares no code with
// engine/tls: nonce, AAD and framing are rebuilt here from RFC 8446 §5, RFC 5246 §6.2.3.3, RFC 5288 §3
// and RFC 7905 §2.
#pragma once

#include <openssl/evp.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "engine/tls/cipher_suite.h"

namespace tollgate::tls::testing {

struct RefKeys {
  TlsVersion version;
  CipherSuite suite;
  std::vector<uint8_t> key;
  std::vector<uint8_t> iv;  // 12 bytes, or the 4-byte salt for TLS 1.2 GCM
  uint64_t seq = 0;
};

struct RefPlaintext {
  uint8_t type;
  std::vector<uint8_t> content;
};

inline const EVP_CIPHER* ref_cipher(CipherSuite s) {
  switch (s) {
    case CipherSuite::kAes128GcmSha256:
      return EVP_aes_128_gcm();
    case CipherSuite::kAes256GcmSha384:
      return EVP_aes_256_gcm();
    default:
      return EVP_chacha20_poly1305();
  }
}

// One AEAD operation; returns false when decryption's tag does not verify.
inline bool ref_aead(CipherSuite s, bool encrypt, const std::vector<uint8_t>& key, const uint8_t nonce[12],
                     const std::vector<uint8_t>& aad, const uint8_t* in, size_t length, uint8_t* out,
                     uint8_t tag[16]) {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  int n = 0;
  bool ok = EVP_CipherInit_ex(ctx, ref_cipher(s), nullptr, nullptr, nullptr, encrypt ? 1 : 0) == 1 &&
            EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, 12, nullptr) == 1 &&
            EVP_CipherInit_ex(ctx, nullptr, nullptr, key.data(), nonce, -1) == 1 &&
            EVP_CipherUpdate(ctx, nullptr, &n, aad.data(), static_cast<int>(aad.size())) == 1;
  if (ok && length > 0) ok = EVP_CipherUpdate(ctx, out, &n, in, static_cast<int>(length)) == 1;
  if (ok && !encrypt) ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, 16, tag) == 1;
  if (ok) ok = EVP_CipherFinal_ex(ctx, out + length, &n) == 1;
  if (ok && encrypt) ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, tag) == 1;
  EVP_CIPHER_CTX_free(ctx);
  return ok;
}

inline bool ref_is_gcm12(const RefKeys& k) {
  return k.version == TlsVersion::kTls12 && k.suite != CipherSuite::kChaCha20Poly1305Sha256;
}

// RFC 8446 §5.3: seq as 64-bit big-endian, padded on the left with zeros to 12 bytes, XOR the IV.
inline void ref_xor_nonce(const std::vector<uint8_t>& iv, uint64_t seq, uint8_t nonce[12]) {
  uint8_t padded[12] = {};
  for (int i = 0; i < 8; ++i) padded[4 + i] = static_cast<uint8_t>(seq >> (56 - 8 * i));
  for (int i = 0; i < 12; ++i) nonce[i] = static_cast<uint8_t>(iv[i] ^ padded[i]);
}

inline std::vector<uint8_t> ref_aad12(uint64_t seq, uint8_t type, size_t length) {
  std::vector<uint8_t> aad;
  for (int i = 0; i < 8; ++i) aad.push_back(static_cast<uint8_t>(seq >> (56 - 8 * i)));
  aad.push_back(type);
  aad.push_back(3);
  aad.push_back(3);
  aad.push_back(static_cast<uint8_t>(length >> 8));
  aad.push_back(static_cast<uint8_t>(length));
  return aad;
}

// TLS 1.3: seals an arbitrary TLSInnerPlaintext (so tests can build invalid ones, e.g. all zeros).
inline std::vector<uint8_t> ref_seal13_inner(RefKeys& k, const std::vector<uint8_t>& inner) {
  const size_t body = inner.size() + 16;
  std::vector<uint8_t> rec = {0x17, 0x03, 0x03, static_cast<uint8_t>(body >> 8), static_cast<uint8_t>(body)};
  uint8_t nonce[12];
  ref_xor_nonce(k.iv, k.seq++, nonce);
  const std::vector<uint8_t> aad(rec.begin(), rec.end());
  rec.resize(5 + body);
  ref_aead(k.suite, true, k.key, nonce, aad, inner.data(), inner.size(), rec.data() + 5,
           rec.data() + 5 + inner.size());
  return rec;
}

inline std::vector<uint8_t> ref_seal(RefKeys& k, uint8_t type, const std::vector<uint8_t>& content,
                                     size_t padding = 0) {
  if (k.version == TlsVersion::kTls13) {
    std::vector<uint8_t> inner = content;
    inner.push_back(type);
    inner.resize(inner.size() + padding, 0);
    return ref_seal13_inner(k, inner);
  }
  const uint64_t seq = k.seq++;
  uint8_t nonce[12];
  std::vector<uint8_t> explicit_nonce;
  if (ref_is_gcm12(k)) {
    // RFC 5288 §3: nonce = salt (4) || nonce_explicit (8); we send the sequence number as the explicit part.
    for (int i = 0; i < 8; ++i) explicit_nonce.push_back(static_cast<uint8_t>(seq >> (56 - 8 * i)));
    for (int i = 0; i < 4; ++i) nonce[i] = k.iv[static_cast<size_t>(i)];
    for (int i = 0; i < 8; ++i) nonce[4 + i] = explicit_nonce[static_cast<size_t>(i)];
  } else {
    ref_xor_nonce(k.iv, seq, nonce);
  }
  const size_t body = explicit_nonce.size() + content.size() + 16;
  std::vector<uint8_t> rec = {type, 0x03, 0x03, static_cast<uint8_t>(body >> 8), static_cast<uint8_t>(body)};
  rec.insert(rec.end(), explicit_nonce.begin(), explicit_nonce.end());
  const size_t at = rec.size();
  rec.resize(5 + body);
  ref_aead(k.suite, true, k.key, nonce, ref_aad12(seq, type, content.size()), content.data(), content.size(),
           rec.data() + at, rec.data() + at + content.size());
  return rec;
}

// Opens one record; nullopt when it does not authenticate. TLS 1.3 padding is stripped.
inline std::optional<RefPlaintext> ref_open(RefKeys& k, const std::vector<uint8_t>& rec) {
  if (rec.size() < 5 + 16) return std::nullopt;
  const uint64_t seq = k.seq++;
  uint8_t nonce[12];
  std::vector<uint8_t> aad;
  size_t at = 5;
  if (k.version == TlsVersion::kTls13) {
    ref_xor_nonce(k.iv, seq, nonce);
    aad.assign(rec.begin(), rec.begin() + 5);
  } else if (ref_is_gcm12(k)) {
    for (int i = 0; i < 4; ++i) nonce[i] = k.iv[static_cast<size_t>(i)];
    for (int i = 0; i < 8; ++i) nonce[4 + i] = rec[static_cast<size_t>(5 + i)];
    at = 13;
  } else {
    ref_xor_nonce(k.iv, seq, nonce);
  }
  const size_t length = rec.size() - at - 16;
  if (k.version == TlsVersion::kTls12) aad = ref_aad12(seq, rec[0], length);
  std::vector<uint8_t> out(length + 16);
  uint8_t tag[16];
  std::copy(rec.end() - 16, rec.end(), tag);
  if (!ref_aead(k.suite, false, k.key, nonce, aad, rec.data() + at, length, out.data(), tag))
    return std::nullopt;
  out.resize(length);
  if (k.version == TlsVersion::kTls12) return RefPlaintext{rec[0], out};
  while (!out.empty() && out.back() == 0) out.pop_back();
  if (out.empty()) return std::nullopt;
  const uint8_t type = out.back();
  out.pop_back();
  return RefPlaintext{type, out};
}

}  // namespace tollgate::tls::testing
