#include "engine/tls/aead_engine.h"

#include <openssl/crypto.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace tollgate::tls {
namespace {

[[noreturn]] void fail(const char* what, IMB_MGR* mgr) {
  std::fprintf(stderr, "aead engine: %s failed: %s\n", what,
               mgr != nullptr ? imb_get_strerror(imb_get_errno(mgr)) : "out of memory");
  std::abort();
}

}  // namespace

AeadEngine::AeadEngine() {
  mgr_ = alloc_mb_mgr(0);
  if (mgr_ == nullptr) fail("alloc_mb_mgr", nullptr);
  init_mb_mgr_auto(mgr_, &arch_);
  if (imb_get_errno(mgr_) != 0) fail("init_mb_mgr_auto", mgr_);
}

AeadEngine::~AeadEngine() {
  free_mb_mgr(mgr_);
}

const char* AeadEngine::arch_name() const {
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

bool AeadEngine::install(TrafficKeys& keys, TlsVersion version, CipherSuite suite,
                         std::span<const uint8_t> key, std::span<const uint8_t> iv) const {
  keys.installed = false;
  if (key.size() != key_size(suite) || iv.size() != iv_size(version, suite)) return false;
  keys.version = version;
  keys.suite = suite;
  keys.sequence = 0;
  keys.iv.fill(0);
  std::memcpy(keys.iv.data(), iv.data(), iv.size());  // 1.2 GCM: salt, then the 8 zero bytes XORed with seq
  switch (suite) {
    case CipherSuite::kAes128GcmSha256:
      IMB_AES128_GCM_PRE(mgr_, key.data(), &keys.material.gcm);
      break;
    case CipherSuite::kAes256GcmSha384:
      IMB_AES256_GCM_PRE(mgr_, key.data(), &keys.material.gcm);
      break;
    case CipherSuite::kChaCha20Poly1305Sha256:
      std::memcpy(keys.material.chacha.data(), key.data(), key.size());
      break;
  }
  keys.installed = true;
  return true;
}

void AeadEngine::erase(TrafficKeys& keys) {
  OPENSSL_cleanse(&keys.material, sizeof keys.material);
  OPENSSL_cleanse(keys.iv.data(), keys.iv.size());
  keys.installed = false;
}

std::optional<uint16_t> AeadEngine::queue(const TrafficKeys& keys, const Nonce& nonce,
                                          std::span<const uint8_t> aad, const uint8_t* src, uint8_t* dst,
                                          size_t length, bool seal) {
  if (size_ == kCapacity || ran_ || aad.size() > kMaxAadSize || !keys.installed) return std::nullopt;
  Op& op = ops_[size_];
  op.keys = &keys;
  op.src = length == 0 ? &empty_ : src;
  op.dst = length == 0 ? &empty_ : dst;
  op.length = length;
  op.nonce = nonce;
  if (!aad.empty()) std::memcpy(op.aad.data(), aad.data(), aad.size());  // an empty span may be null
  op.aad_size = static_cast<uint8_t>(aad.size());
  op.seal = seal;
  op.status = AeadStatus::kPending;
  return static_cast<uint16_t>(size_++);
}

std::optional<uint16_t> AeadEngine::queue_seal(const TrafficKeys& keys, const Nonce& nonce,
                                               std::span<const uint8_t> aad, const uint8_t* src, uint8_t* dst,
                                               size_t length, uint8_t* tag) {
  auto i = queue(keys, nonce, aad, src, dst, length, true);
  if (i) {
    ops_[*i].tag_out = tag;
    ops_[*i].tag_in = nullptr;
  }
  return i;
}

std::optional<uint16_t> AeadEngine::queue_open(const TrafficKeys& keys, const Nonce& nonce,
                                               std::span<const uint8_t> aad, const uint8_t* src, uint8_t* dst,
                                               size_t length, const uint8_t* tag) {
  auto i = queue(keys, nonce, aad, src, dst, length, false);
  if (i) {
    // ipsec-mb computes the tag on decryption but does not check it: it goes to scratch and retire()
    // compares.
    ops_[*i].tag_out = ops_[*i].computed_tag.data();
    ops_[*i].tag_in = tag;
  }
  return i;
}

void AeadEngine::run() {
  ran_ = true;
  for (size_t i = 0; i < size_; ++i) {
    Op& op = ops_[i];
    IMB_JOB* job = IMB_GET_NEXT_JOB(mgr_);
    job->src = op.src;
    job->dst = op.dst;
    job->cipher_start_src_offset_in_bytes = 0;
    job->msg_len_to_cipher_in_bytes = op.length;
    job->hash_start_src_offset_in_bytes = 0;
    job->msg_len_to_hash_in_bytes = op.length;
    job->iv = op.nonce.data();
    job->iv_len_in_bytes = kNonceSize;
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
      job->enc_keys = &keys.material.gcm;
      job->dec_keys = &keys.material.gcm;
      job->key_len_in_bytes = key_size(keys.suite);
      job->u.GCM.aad = op.aad.data();
      job->u.GCM.aad_len_in_bytes = op.aad_size;
      job->u.GCM.ctx = nullptr;  // only the SGL variant keeps a context
    } else {
      job->cipher_mode = IMB_CIPHER_CHACHA20_POLY1305;
      job->hash_alg = IMB_AUTH_CHACHA20_POLY1305;
      job->enc_keys = keys.material.chacha.data();
      job->dec_keys = keys.material.chacha.data();
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

void AeadEngine::retire(void* completed) {
  auto* job = static_cast<IMB_JOB*>(completed);
  Op& op = *static_cast<Op*>(job->user_data);
  if (job->status != IMB_STATUS_COMPLETED) {
    op.status = AeadStatus::kRefused;
  } else if (op.seal) {
    op.status = AeadStatus::kOk;
  } else if (CRYPTO_memcmp(op.computed_tag.data(), op.tag_in, kTagSize) == 0) {
    op.status = AeadStatus::kOk;
  } else {
    op.status = AeadStatus::kBadTag;
  }
  // Unauthenticated plaintext never leaves the engine: the caller may ignore a status, not read garbage.
  if (!op.seal && op.status != AeadStatus::kOk) OPENSSL_cleanse(op.dst, op.length);
}

}  // namespace tollgate::tls
