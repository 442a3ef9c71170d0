// The ipsec-mb AEAD backend: the record layer's operations as jobs of Intel ipsec-mb's multi-buffer job
// API, submitted as one batch and flushed. The only file that includes <intel-ipsec-mb.h>; the build
// defines NO_COMPAT_IMB_API_053 for it, keeping ipsec-mb's old generic macro names (MAX_JOBS, CIPHER_HASH,
// ...) out.
#include <intel-ipsec-mb.h>
#include <openssl/crypto.h>

#include <cstdlib>
#include <cstring>

#include "engine/common/log.h"
#include "engine/tls/aead_backend.h"

namespace tollgate::tls {
namespace {

// The expanded GCM key lives in TrafficKeys::material; ipsec-mb asks for no particular alignment of it.
static_assert(sizeof(gcm_key_data) <= kKeyMaterialSize, "TrafficKeys::material too small for gcm_key_data");
static_assert(alignof(gcm_key_data) <= alignof(TrafficKeys), "TrafficKeys under-aligned for gcm_key_data");

[[noreturn]] void fail(const char* what, IMB_MGR* mgr) {
  log_error("aead engine: {} failed: {}", what,
            mgr != nullptr ? imb_get_strerror(imb_get_errno(mgr)) : "out of memory");
  std::abort();
}

gcm_key_data* gcm_key(TrafficKeys& keys) {
  return reinterpret_cast<gcm_key_data*>(keys.material.data());
}

const gcm_key_data* gcm_key(const TrafficKeys& keys) {
  return reinterpret_cast<const gcm_key_data*>(keys.material.data());
}

class IpsecMbBackend final : public AeadBackend {
 public:
  // Allocates and initialises the IMB_MGR for the best code path this CPU has (init_mb_mgr_auto).
  IpsecMbBackend() {
    mgr_ = alloc_mb_mgr(0);
    if (mgr_ == nullptr) fail("alloc_mb_mgr", nullptr);
    init_mb_mgr_auto(mgr_, &arch_);
    if (imb_get_errno(mgr_) != 0) fail("init_mb_mgr_auto", mgr_);
  }
  ~IpsecMbBackend() override { free_mb_mgr(mgr_); }
  IpsecMbBackend(const IpsecMbBackend&) = delete;
  IpsecMbBackend& operator=(const IpsecMbBackend&) = delete;

  // GCM: the expanded schedule and GHASH table (the raw key is not kept); ChaCha20-Poly1305: the raw key,
  // which is what the job API takes.
  void prepare_key(TrafficKeys& keys, CipherSuite suite, std::span<const uint8_t> key) const override {
    switch (suite) {
      case CipherSuite::kAes128GcmSha256:
        IMB_AES128_GCM_PRE(mgr_, key.data(), gcm_key(keys));
        break;
      case CipherSuite::kAes256GcmSha384:
        IMB_AES256_GCM_PRE(mgr_, key.data(), gcm_key(keys));
        break;
      case CipherSuite::kChaCha20Poly1305Sha256:
        std::memcpy(keys.material.data(), key.data(), key.size());
        break;
    }
  }

  void run(std::span<AeadOp> ops) override {
    for (AeadOp& op : ops) {
      IMB_JOB* job = IMB_GET_NEXT_JOB(mgr_);
      job->src = op.src;
      job->dst = op.dst;
      job->cipher_start_src_offset_in_bytes = 0;
      job->msg_len_to_cipher_in_bytes = op.length;
      job->hash_start_src_offset_in_bytes = 0;
      job->msg_len_to_hash_in_bytes = op.length;
      job->iv = op.nonce.data();
      job->iv_len_in_bytes = kNonceSize;
      // ipsec-mb computes the tag on decryption but does not check it: it goes to the op's scratch
      // (tag_out) and retire() compares.
      job->auth_tag_output = op.tag_out;
      job->auth_tag_output_len_in_bytes = kTagSize;
      // AEAD order: encrypt then authenticate the ciphertext; to open, authenticate the ciphertext, then
      // decrypt. ipsec-mb checks that the chain order matches the direction.
      job->cipher_direction = op.seal ? IMB_DIR_ENCRYPT : IMB_DIR_DECRYPT;
      job->chain_order = op.seal ? IMB_ORDER_CIPHER_HASH : IMB_ORDER_HASH_CIPHER;
      const TrafficKeys& keys = *op.keys;
      if (is_gcm(keys.suite)) {
        job->cipher_mode = IMB_CIPHER_GCM;
        job->hash_alg = IMB_AUTH_AES_GMAC;
        job->enc_keys = gcm_key(keys);
        job->dec_keys = gcm_key(keys);
        job->key_len_in_bytes = key_size(keys.suite);
        job->u.GCM.aad = op.aad.data();
        job->u.GCM.aad_len_in_bytes = op.aad_size;
        job->u.GCM.ctx = nullptr;  // only the SGL variant keeps a context
      } else {
        job->cipher_mode = IMB_CIPHER_CHACHA20_POLY1305;
        job->hash_alg = IMB_AUTH_CHACHA20_POLY1305;
        job->enc_keys = keys.material.data();
        job->dec_keys = keys.material.data();
        job->key_len_in_bytes = 32;
        job->u.CHACHA20_POLY1305.aad = op.aad.data();
        job->u.CHACHA20_POLY1305.aad_len_in_bytes = op.aad_size;
        job->u.CHACHA20_POLY1305.ctx = nullptr;  // likewise
      }
      job->user_data = &op;
      // The checked submit validates the job (a few comparisons against the cost of a record's crypto);
      // a refused job comes back with an error status instead of undefined behaviour.
      for (IMB_JOB* done = IMB_SUBMIT_JOB(mgr_); done != nullptr; done = IMB_GET_COMPLETED_JOB(mgr_)) {
        retire(done);
      }
    }
    while (IMB_JOB* done = IMB_FLUSH_JOB(mgr_)) retire(done);
  }

  const char* name() const override {
    switch (arch_) {
      case IMB_ARCH_NOAESNI:
        return "no-AESNI";
      case IMB_ARCH_SSE:
        return "SSE";
      case IMB_ARCH_AVX:
        return "AVX";
      case IMB_ARCH_AVX2:
        return "AVX2";
      case IMB_ARCH_AVX512:
        return "AVX512";
      default:
        return "none";
    }
  }

 private:
  static void retire(IMB_JOB* job) {
    AeadOp& op = *static_cast<AeadOp*>(job->user_data);
    if (job->status != IMB_STATUS_COMPLETED) {
      op.status = AeadStatus::kRefused;
    } else if (op.seal || CRYPTO_memcmp(op.computed_tag.data(), op.tag_in, kTagSize) == 0) {
      op.status = AeadStatus::kOk;
    } else {
      op.status = AeadStatus::kBadTag;
    }
  }

  IMB_MGR* mgr_ = nullptr;
  IMB_ARCH arch_ = IMB_ARCH_NONE;
};

}  // namespace

std::unique_ptr<AeadBackend> make_ipsec_mb_backend() {
  return std::make_unique<IpsecMbBackend>();
}

}  // namespace tollgate::tls
