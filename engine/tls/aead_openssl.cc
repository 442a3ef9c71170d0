// The OpenSSL EVP AEAD backend: one record after the other, each through a cipher context kept per suite
// and re-keyed per operation (the key schedule is redone per record: this backend is the reference the
// ipsec-mb one is checked against, and a fallback, not the fast path). The only record-layer file that
// uses EVP ciphers.
#include <openssl/evp.h>

#include <climits>
#include <cstdlib>
#include <cstring>

#include "engine/common/log.h"
#include "engine/tls/aead_backend.h"

namespace tollgate::tls {
namespace {

const EVP_CIPHER* cipher_for(CipherSuite s) {
  switch (s) {
    case CipherSuite::kAes128GcmSha256:
      return EVP_aes_128_gcm();
    case CipherSuite::kAes256GcmSha384:
      return EVP_aes_256_gcm();
    case CipherSuite::kChaCha20Poly1305Sha256:
      break;
  }
  return EVP_chacha20_poly1305();
}

class OpenSslBackend final : public AeadBackend {
 public:
  // One context per suite, its cipher set once, so that an operation only re-keys it (no allocation).
  // Both AEADs default to the 12-byte nonce TLS uses.
  OpenSslBackend() {
    for (size_t i = 0; i < contexts_.size(); ++i) {
      contexts_[i] = EVP_CIPHER_CTX_new();
      if (contexts_[i] == nullptr || EVP_CipherInit_ex(contexts_[i], cipher_for(static_cast<CipherSuite>(i)),
                                                       nullptr, nullptr, nullptr, 1) != 1) {
        log_error("aead engine: OpenSSL cipher context set-up failed");
        std::abort();
      }
    }
  }
  ~OpenSslBackend() override {
    for (EVP_CIPHER_CTX* ctx : contexts_) EVP_CIPHER_CTX_free(ctx);  // also wipes the key schedule
  }
  OpenSslBackend(const OpenSslBackend&) = delete;
  OpenSslBackend& operator=(const OpenSslBackend&) = delete;

  // EVP takes the raw key at each operation.
  void prepare_key(TrafficKeys& keys, CipherSuite, std::span<const uint8_t> key) const override {
    std::memcpy(keys.material.data(), key.data(), key.size());
  }

  void run(std::span<AeadOp> ops) override {
    for (AeadOp& op : ops) op.status = one(op);
  }

  const char* name() const override { return "openssl-evp"; }

 private:
  AeadStatus one(AeadOp& op) {
    if (op.length > INT_MAX) return AeadStatus::kRefused;
    EVP_CIPHER_CTX* ctx = contexts_[static_cast<size_t>(op.keys->suite)];
    const int length = static_cast<int>(op.length);
    int n = 0;
    bool ok = EVP_CipherInit_ex(ctx, nullptr, nullptr, op.keys->material.data(), op.nonce.data(),
                                op.seal ? 1 : 0) == 1;
    if (ok && op.aad_size > 0) ok = EVP_CipherUpdate(ctx, nullptr, &n, op.aad.data(), op.aad_size) == 1;
    if (ok && length > 0) ok = EVP_CipherUpdate(ctx, op.dst, &n, op.src, length) == 1;
    if (ok && !op.seal) {
      ok = EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, static_cast<int>(kTagSize),
                               const_cast<uint8_t*>(op.tag_in)) == 1;
    }
    if (!ok) return AeadStatus::kRefused;
    // Opening: the final step is where EVP compares the tag (in constant time).
    if (EVP_CipherFinal_ex(ctx, op.dst + op.length, &n) != 1) {
      return op.seal ? AeadStatus::kRefused : AeadStatus::kBadTag;
    }
    if (op.seal &&
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, static_cast<int>(kTagSize), op.tag_out) != 1) {
      return AeadStatus::kRefused;
    }
    return AeadStatus::kOk;
  }

  // Indexed by CipherSuite.
  std::array<EVP_CIPHER_CTX*, 3> contexts_{};
};

}  // namespace

std::unique_ptr<AeadBackend> make_openssl_backend() {
  return std::make_unique<OpenSslBackend>();
}

}  // namespace tollgate::tls
