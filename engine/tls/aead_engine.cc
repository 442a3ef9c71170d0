#include "engine/tls/aead_engine.h"

#include <openssl/crypto.h>

#include <cstring>

namespace tollgate::tls {

AeadEngine::AeadEngine(AeadBackendKind backend)
    : backend_(backend == AeadBackendKind::kOpenSsl ? make_openssl_backend() : make_ipsec_mb_backend()),
      kind_(backend) {}

AeadEngine::~AeadEngine() = default;

bool AeadEngine::install(TrafficKeys& keys, TlsVersion version, CipherSuite suite,
                         std::span<const uint8_t> key, std::span<const uint8_t> iv) const {
  keys.installed = false;
  if (key.size() != key_size(suite) || iv.size() != iv_size(version, suite)) return false;
  keys.version = version;
  keys.suite = suite;
  keys.sequence = 0;
  keys.iv.fill(0);
  std::memcpy(keys.iv.data(), iv.data(), iv.size());  // 1.2 GCM: salt, then the 8 zero bytes XORed with seq
  backend_->prepare_key(keys, suite, key);
  keys.backend = static_cast<uint8_t>(kind_);
  keys.installed = true;
  return true;
}

std::optional<uint16_t> AeadEngine::queue(const TrafficKeys& keys, const Nonce& nonce,
                                          std::span<const uint8_t> aad, const uint8_t* src, uint8_t* dst,
                                          size_t length, bool seal) {
  if (size_ == kCapacity || ran_ || aad.size() > kMaxAadSize || !keys.installed ||
      keys.backend != static_cast<uint8_t>(kind_)) {
    return std::nullopt;
  }
  AeadOp& op = ops_[size_];
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
    ops_[*i].tag_out = ops_[*i].computed_tag.data();
    ops_[*i].tag_in = tag;
  }
  return i;
}

void AeadEngine::run() {
  ran_ = true;
  backend_->run({ops_.data(), size_});
  // Unauthenticated plaintext never leaves the engine: the caller may ignore a status, not read garbage.
  for (size_t i = 0; i < size_; ++i) {
    const AeadOp& op = ops_[i];
    if (!op.seal && op.status != AeadStatus::kOk) OPENSSL_cleanse(op.dst, op.length);
  }
}

}  // namespace tollgate::tls
