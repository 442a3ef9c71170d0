#include "engine/tls/key_schedule.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#include <array>
#include <cstring>

namespace tollgate::tls {
namespace {

const char* digest_name(CipherSuite s) {
  return hash_size(s) == 48 ? "SHA384" : "SHA256";
}

// Fetching a KDF takes OpenSSL's provider lock; a fetched algorithm is immutable and safe to share
// between threads, so each is fetched once per process.
EVP_KDF* hkdf() {
  static EVP_KDF* const kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  return kdf;
}

EVP_KDF* tls1_prf() {
  static EVP_KDF* const kdf = EVP_KDF_fetch(nullptr, "TLS1-PRF", nullptr);
  return kdf;
}

bool derive(EVP_KDF* kdf, OSSL_PARAM* params, std::span<uint8_t> out) {
  if (kdf == nullptr) return false;
  EVP_KDF_CTX* ctx = EVP_KDF_CTX_new(kdf);
  if (ctx == nullptr) return false;
  const bool ok = EVP_KDF_derive(ctx, out.data(), out.size(), params) == 1;
  EVP_KDF_CTX_free(ctx);  // frees (and cleanses) the copy of the key it held
  return ok;
}

// Wipes an array when the scope ends, whichever way it is left.
template <size_t N>
struct WipedBytes {
  std::array<uint8_t, N> bytes{};
  ~WipedBytes() { OPENSSL_cleanse(bytes.data(), bytes.size()); }
};

}  // namespace

bool hkdf_expand_label(CipherSuite suite, std::span<const uint8_t> secret, std::string_view label,
                       std::span<const uint8_t> context, std::span<uint8_t> out) {
  // struct { uint16 length; opaque label<7..255> = "tls13 " + Label; opaque context<0..255>; } HkdfLabel;
  constexpr std::string_view kPrefix = "tls13 ";
  if (kPrefix.size() + label.size() > 255 || context.size() > 255 || out.size() > 0xffff) return false;
  std::array<uint8_t, 2 + 1 + 255 + 1 + 255> info;
  size_t n = 0;
  info[n++] = static_cast<uint8_t>(out.size() >> 8);
  info[n++] = static_cast<uint8_t>(out.size());
  info[n++] = static_cast<uint8_t>(kPrefix.size() + label.size());
  for (char c : kPrefix) info[n++] = static_cast<uint8_t>(c);
  for (char c : label) info[n++] = static_cast<uint8_t>(c);
  info[n++] = static_cast<uint8_t>(context.size());
  for (uint8_t b : context) info[n++] = b;

  int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>(digest_name(suite)), 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<uint8_t*>(secret.data()),
                                        secret.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info.data(), n),
      OSSL_PARAM_construct_end(),
  };
  return derive(hkdf(), params, out);
}

bool update_traffic_secret(CipherSuite suite, std::span<uint8_t> secret) {
  if (secret.size() != hash_size(suite)) return false;
  WipedBytes<48> next;
  const std::span<uint8_t> out(next.bytes.data(), secret.size());
  if (!hkdf_expand_label(suite, secret, "traffic upd", {}, out)) return false;
  std::memcpy(secret.data(), out.data(), out.size());
  return true;
}

bool install_from_secret(const KeyInstaller& installer, TrafficKeys& keys, CipherSuite suite,
                         std::span<const uint8_t> secret) {
  if (secret.size() != hash_size(suite)) return false;
  WipedBytes<kMaxKeySize> key;
  WipedBytes<kNonceSize> iv;
  const std::span<uint8_t> key_bytes(key.bytes.data(), key_size(suite));
  return hkdf_expand_label(suite, secret, "key", {}, key_bytes) &&
         hkdf_expand_label(suite, secret, "iv", {}, iv.bytes) &&
         installer.install(keys, TlsVersion::kTls13, suite, key_bytes, iv.bytes);
}

bool install_tls12_keys(const KeyInstaller& installer, CipherSuite suite,
                        std::span<const uint8_t> master_secret, std::span<const uint8_t> client_random,
                        std::span<const uint8_t> server_random, TrafficKeys& client, TrafficKeys& server) {
  constexpr std::string_view kLabel = "key expansion";
  if (client_random.size() != 32 || server_random.size() != 32) return false;
  // OpenSSL's TLS1-PRF takes the label as the start of the seed (P_hash runs over label || seed).
  std::array<uint8_t, kLabel.size() + 64> seed;
  std::memcpy(seed.data(), kLabel.data(), kLabel.size());
  std::memcpy(seed.data() + kLabel.size(), server_random.data(), 32);
  std::memcpy(seed.data() + kLabel.size() + 32, client_random.data(), 32);

  const size_t key_length = key_size(suite);
  const size_t iv_length = iv_size(TlsVersion::kTls12, suite);
  WipedBytes<2 * (kMaxKeySize + kNonceSize)> block;
  const std::span<uint8_t> key_block(block.bytes.data(), 2 * (key_length + iv_length));
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, const_cast<char*>(digest_name(suite)), 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, const_cast<uint8_t*>(master_secret.data()),
                                        master_secret.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, seed.data(), seed.size()),
      OSSL_PARAM_construct_end(),
  };
  if (!derive(tls1_prf(), params, key_block)) return false;
  const uint8_t* p = key_block.data();
  const std::span<const uint8_t> client_key(p, key_length);
  const std::span<const uint8_t> server_key(p + key_length, key_length);
  const std::span<const uint8_t> client_iv(p + 2 * key_length, iv_length);
  const std::span<const uint8_t> server_iv(p + 2 * key_length + iv_length, iv_length);
  return installer.install(client, TlsVersion::kTls12, suite, client_key, client_iv) &&
         installer.install(server, TlsVersion::kTls12, suite, server_key, server_iv);
}

}  // namespace tollgate::tls
