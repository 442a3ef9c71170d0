// Batched AEAD sealing and opening on one core, through Intel ipsec-mb's job API.
//
// Why batches: ipsec-mb's multi-buffer code interleaves independent jobs (several ChaCha20-Poly1305
// streams in the lanes of one AVX-512 register, for example), and a poll loop naturally has a burst of
// records — of many connections — to protect at once. The caller queues operations, calls run() once,
// and reads each operation's status. Nothing here allocates after construction: the batch has a fixed
// capacity (kCapacity) and queue_*() says so when it is full; the caller runs the batch and retries.
//
// One AeadEngine per worker core, never shared: the IMB_MGR it owns holds the job queue and is not
// thread-safe. The caller's buffers (source, destination, tag) must stay valid from queue_*() to run();
// AAD and nonce are copied in. In-place operation (src == dst) is allowed; partially overlapping buffers
// are not.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "engine/tls/cipher_suite.h"
#include "engine/tls/traffic_keys.h"

namespace tollgate::tls {

using Nonce = std::array<uint8_t, kNonceSize>;

enum class AeadStatus : uint8_t {
  kPending,  // queued, run() not called yet
  kOk,       // sealed, or opened with a matching tag
  kBadTag,   // open: the tag did not verify; the destination bytes were wiped
  kRefused,  // ipsec-mb rejected the job (invalid arguments): a bug on our side, never the peer's doing
};

class AeadEngine {
 public:
  static constexpr size_t kCapacity = 64;
  // The longest AAD the record layer builds: TLS 1.2's seq || type || version || length.
  static constexpr size_t kMaxAadSize = 13;

  // Allocates and initialises the IMB_MGR for the best code path this CPU has (init_mb_mgr_auto). Failure
  // (no memory, CPU without the minimum instruction set) is reported on stderr and aborts: at startup.
  AeadEngine();
  ~AeadEngine();
  // Pending operations point into the engine (their AAD, their computed tags): it cannot move.
  AeadEngine(const AeadEngine&) = delete;
  AeadEngine& operator=(const AeadEngine&) = delete;

  // Prepares `keys` for use by any engine (the expanded material does not depend on the manager's state,
  // only on the CPU): checks key and IV lengths for version and suite, expands the key, and sets the
  // sequence number to 0. Returns false, leaving `keys` not installed, on a length mismatch.
  bool install(TrafficKeys& keys, TlsVersion version, CipherSuite suite, std::span<const uint8_t> key,
               std::span<const uint8_t> iv) const;
  // Wipes the key material (OPENSSL_cleanse) and marks `keys` not installed.
  static void erase(TrafficKeys& keys);

  // Queue one AEAD operation over `length` bytes. Seal writes the ciphertext to `dst` and the 16-byte tag
  // to `tag`; open writes the plaintext to `dst` and compares the tag it computes with `tag` in constant
  // time. Returns the operation's index in this batch, or nullopt when the batch is full or `aad` is
  // longer than kMaxAadSize.
  std::optional<uint16_t> queue_seal(const TrafficKeys& keys, const Nonce& nonce,
                                     std::span<const uint8_t> aad, const uint8_t* src, uint8_t* dst,
                                     size_t length, uint8_t* tag);
  std::optional<uint16_t> queue_open(const TrafficKeys& keys, const Nonce& nonce,
                                     std::span<const uint8_t> aad, const uint8_t* src, uint8_t* dst,
                                     size_t length, const uint8_t* tag);

  // Runs every queued operation as one batch (submit all, then flush). Statuses stay readable until
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
  // The code path init_mb_mgr_auto chose ("SSE", "AVX2", "AVX512", ...), for logs and benchmarks.
  const char* arch_name() const;

 private:
  struct Op {
    const TrafficKeys* keys;
    const uint8_t* src;
    uint8_t* dst;
    size_t length;
    uint8_t* tag_out;       // seal: the caller's tag; open: computed_tag below
    const uint8_t* tag_in;  // open: the received tag
    Nonce nonce;
    std::array<uint8_t, kMaxAadSize> aad;
    uint8_t aad_size;
    bool seal;
    AeadStatus status;
    std::array<uint8_t, kTagSize> computed_tag;
  };

  std::optional<uint16_t> queue(const TrafficKeys& keys, const Nonce& nonce, std::span<const uint8_t> aad,
                                const uint8_t* src, uint8_t* dst, size_t length, bool seal);
  void retire(void* job);

  IMB_MGR* mgr_ = nullptr;
  IMB_ARCH arch_ = IMB_ARCH_NONE;
  size_t size_ = 0;
  bool ran_ = false;
  // ipsec-mb's job checks refuse null src/dst even for an empty message, and an empty TLS 1.2 record is
  // legal: zero-length operations point here instead of at a possibly null caller pointer.
  uint8_t empty_ = 0;
  std::array<Op, kCapacity> ops_;
};

}  // namespace tollgate::tls
