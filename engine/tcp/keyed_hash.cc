#include "engine/tcp/keyed_hash.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <cstdio>
#include <cstdlib>

#include "engine/common/byte_order.h"
#include "engine/common/log.h"

namespace tollgate::tcp {
namespace {

constexpr size_t kOutputSize = 8;  // SipHash-2-4-64; OpenSSL's default for SIPHASH is the 128-bit variant

[[noreturn]] void fail(const char* what) {
  log_error("keyed hash: {} failed", what);
  ERR_print_errors_fp(stderr);
  std::abort();
}

}  // namespace

void KeyedHash::ContextFree::operator()(evp_mac_ctx_st* ctx) const {
  EVP_MAC_CTX_free(ctx);
}

KeyedHash::KeyedHash(const Key& key) : key_(key) {
  EVP_MAC* mac = EVP_MAC_fetch(nullptr, OSSL_MAC_NAME_SIPHASH, nullptr);
  if (mac == nullptr) fail("EVP_MAC_fetch(SIPHASH)");
  ctx_.reset(EVP_MAC_CTX_new(mac));
  EVP_MAC_free(mac);  // the context holds its own reference
  if (!ctx_) fail("EVP_MAC_CTX_new");
  // The size goes in before the key: SipHash's initial state depends on the output length.
  size_t size = kOutputSize;
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &size),
                               OSSL_PARAM_construct_end()};
  if (EVP_MAC_init(ctx_.get(), key_.data(), key_.size(), params) != 1) fail("EVP_MAC_init");
  if (EVP_MAC_CTX_get_mac_size(ctx_.get()) != kOutputSize) fail("setting the SipHash output size");
}

KeyedHash::~KeyedHash() {
  OPENSSL_cleanse(key_.data(), key_.size());
}

KeyedHash::KeyedHash(KeyedHash&&) noexcept = default;
KeyedHash& KeyedHash::operator=(KeyedHash&&) noexcept = default;

KeyedHash::Key KeyedHash::random_key() {
  Key key;
  if (RAND_bytes(key.data(), static_cast<int>(key.size())) != 1) fail("RAND_bytes");
  return key;
}

uint64_t KeyedHash::hash(std::span<const uint8_t> message) {
  // Setting the key restarts the hash; the output size set in the constructor stays.
  std::array<uint8_t, kOutputSize> out;
  size_t out_size = 0;
  if (EVP_MAC_init(ctx_.get(), key_.data(), key_.size(), nullptr) != 1 ||
      EVP_MAC_update(ctx_.get(), message.data(), message.size()) != 1 ||
      EVP_MAC_final(ctx_.get(), out.data(), &out_size, out.size()) != 1 || out_size != kOutputSize) {
    fail("SipHash");  // cannot happen once the constructor succeeded: nothing here allocates
  }
  uint64_t v = 0;
  for (size_t i = kOutputSize; i-- > 0;) v = v << 8 | out[i];
  return v;
}

uint64_t KeyedHash::hash_tuple(uint32_t local_ip, uint16_t local_port, uint32_t remote_ip,
                               uint16_t remote_port, uint32_t extra) {
  std::array<uint8_t, 16> m;
  store_be32(m.data(), local_ip);
  store_be16(m.data() + 4, local_port);
  store_be32(m.data() + 6, remote_ip);
  store_be16(m.data() + 10, remote_port);
  store_be32(m.data() + 12, extra);
  return hash(m);
}

}  // namespace tollgate::tcp
