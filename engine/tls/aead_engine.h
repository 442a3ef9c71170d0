// Batched AEAD sealing and opening on one core, on the backend chosen at construction (aead_backend.h):
// Intel ipsec-mb's job API unless told otherwise.
//
// Why batches: ipsec-mb's multi-buffer code interleaves independent jobs (several ChaCha20-Poly1305
// streams in the lanes of one AVX-512 register, for example), and a poll loop naturally has a burst of
// records — of many connections — to protect at once. The caller queues operations, calls run() once,
// and reads each operation's status. Nothing here allocates after construction: the batch has a fixed
// capacity (kCapacity) and queue_*() says so when it is full; the caller runs the batch and retries.
//
// One AeadEngine per worker core, never shared: the backend's state (ipsec-mb's IMB_MGR with its job
// queue, OpenSSL's cipher contexts) is not thread-safe. The caller's buffers (source, destination, tag)
// must stay valid from queue_*() to run(); AAD and nonce are copied in. In-place operation (src == dst) is
// allowed; partially overlapping buffers are not.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include "engine/tls/aead_backend.h"
#include "engine/tls/cipher_suite.h"
#include "engine/tls/key_installer.h"
#include "engine/tls/traffic_keys.h"

namespace tollgate::tls {

class AeadEngine final : public KeyInstaller {
 public:
  static constexpr size_t kCapacity = 64;
  static constexpr size_t kMaxAadSize = tls::kMaxAadSize;

  // Makes the backend (for ipsec-mb, the IMB_MGR for the best code path this CPU has). Failure is
  // reported on stderr and aborts: at startup.
  explicit AeadEngine(AeadBackendKind backend = AeadBackendKind::kIpsecMb);
  ~AeadEngine();
  // Pending operations point into the engine (their AAD, their computed tags): it cannot move.
  AeadEngine(const AeadEngine&) = delete;
  AeadEngine& operator=(const AeadEngine&) = delete;

  // Prepares `keys` for use by any engine of the same backend (the prepared material depends only on the
  // key and the CPU): checks key and IV lengths for version and suite, prepares the key, and sets the
  // sequence number to 0. Returns false, leaving `keys` not installed, on a length mismatch.
  bool install(TrafficKeys& keys, TlsVersion version, CipherSuite suite, std::span<const uint8_t> key,
               std::span<const uint8_t> iv) const override;

  // Queue one AEAD operation over `length` bytes. Seal writes the ciphertext to `dst` and the 16-byte tag
  // to `tag`; open writes the plaintext to `dst` and checks `tag` in constant time. Returns the
  // operation's index in this batch, or nullopt when the batch is full, `aad` is longer than kMaxAadSize,
  // or `keys` are not installed for this engine's backend.
  std::optional<uint16_t> queue_seal(const TrafficKeys& keys, const Nonce& nonce,
                                     std::span<const uint8_t> aad, const uint8_t* src, uint8_t* dst,
                                     size_t length, uint8_t* tag);
  std::optional<uint16_t> queue_open(const TrafficKeys& keys, const Nonce& nonce,
                                     std::span<const uint8_t> aad, const uint8_t* src, uint8_t* dst,
                                     size_t length, const uint8_t* tag);

  // Runs every queued operation as one batch (one call into the backend). Statuses stay readable until
  // clear(); queueing more before clear() is not allowed.
  void run();
  AeadStatus status(uint16_t op) const { return ops_[op].status; }
  // Forgets the batch: the next queued operation is index 0 again.
  void clear() {
    size_ = 0;
    ran_ = false;
  }

  size_t size() const { return size_; }
  bool full() const { return size_ == kCapacity; }
  AeadBackendKind backend() const { return kind_; }
  // The backend's code path ("SSE", "AVX2", "AVX512", ..., or "openssl-evp"), for logs and benchmarks.
  const char* arch_name() const { return backend_->name(); }

 private:
  std::optional<uint16_t> queue(const TrafficKeys& keys, const Nonce& nonce, std::span<const uint8_t> aad,
                                const uint8_t* src, uint8_t* dst, size_t length, bool seal);

  std::unique_ptr<AeadBackend> backend_;
  AeadBackendKind kind_;
  size_t size_ = 0;
  bool ran_ = false;
  // Backends may refuse null src/dst even for an empty message (ipsec-mb's job checks do), and an empty
  // TLS 1.2 record is legal: zero-length operations point here instead of at a possibly null caller pointer.
  uint8_t empty_ = 0;
  std::array<AeadOp, kCapacity> ops_;
};

}  // namespace tollgate::tls
