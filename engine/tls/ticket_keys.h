// The keys that protect stateless session tickets (RFC 5077 §4's recommended format, as OpenSSL writes
// it: key name, IV, AES-256-CBC ciphertext, HMAC-SHA256), shared by every core's ServerContext of a
// listener so that a ticket issued on one core resumes on any other, and rotated so that a stolen key
// exposes only the sessions of a bounded period.
//
// One key is current and encrypts new tickets; the kAccepted - 1 before it still decrypt (a ticket under
// one of them is accepted and renewed). Older tickets get a full handshake.
//
// Threads: worker cores read the ring inside OpenSSL's ticket callback while another thread (the
// dataplane's main lcore, later the control plane) calls rotate() or install(). Readers take no lock: a
// writer fills a slot no reader of the current generation looks at (there is one slot more than the
// accepted keys), then publishes the new generation with release semantics; readers load it with acquire,
// copy the key out, and check afterwards that no writer has started to overwrite what they copied (a
// seqlock), retrying in that case — which needs two rotations within one ticket callback, so in practice
// never with rotation intervals of minutes. Writers are serialized among themselves by a mutex.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>

namespace tollgate::tls {

struct TicketKey {
  std::array<uint8_t, 16> name{};      // in clear at the start of every ticket: finds the key to decrypt
  std::array<uint8_t, 32> aes_key{};   // AES-256-CBC
  std::array<uint8_t, 32> hmac_key{};  // HMAC-SHA256 over name, IV and ciphertext
  uint64_t created_s = 0;              // when it was made (the caller's clock, seconds); for rotation policy
};

class TicketKeyRing {
 public:
  static constexpr size_t kAccepted = 3;  // the current key and the two before it

  // A ring whose first key is random (RAND_priv_bytes). Null if the random generator fails.
  static std::shared_ptr<TicketKeyRing> create(uint64_t now_s = 0);
  ~TicketKeyRing();  // wipes every key (OPENSSL_cleanse)
  TicketKeyRing(const TicketKeyRing&) = delete;
  TicketKeyRing& operator=(const TicketKeyRing&) = delete;

  // Writers, from any one thread at a time (serialized internally). rotate() makes a fresh random key
  // current (false, ring unchanged, if the random generator fails); install() makes `key` current — a key
  // a control plane distributes to several processes. Either way the oldest accepted key stops decrypting.
  // A key name must be unique within the ring: install() of a name already present is refused (false).
  bool rotate(uint64_t now_s);
  bool install(const TicketKey& key);

  // Readers, from any thread, lock-free. Each copies the key into `out`; the caller wipes its copy.
  enum class Match : uint8_t { kNone, kCurrent, kPrevious };
  void current(TicketKey& out) const;
  // The accepted key named `name`: kCurrent, kPrevious (the ticket should be renewed) or kNone.
  Match find(std::span<const uint8_t, 16> name, TicketKey& out) const;
  // Rotations and installs so far (0 for a new ring): for statistics and tests.
  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

 private:
  // A key as relaxed atomic words, so that a reader racing a writer reads stale or torn bytes — which the
  // seqlock check then discards — rather than causing a data race.
  static constexpr size_t kWords = (sizeof(TicketKey::name) + sizeof(TicketKey::aes_key) +
                                    sizeof(TicketKey::hmac_key) + sizeof(uint64_t)) /
                                   sizeof(uint64_t);
  using Slot = std::array<std::atomic<uint64_t>, kWords>;
  // One spare slot: the writer of generation g+1 fills slot (g+1) % kSlots, which readers of generation g
  // (slots g, g-1, g-2) do not read.
  static constexpr size_t kSlots = kAccepted + 1;

  TicketKeyRing() = default;
  void publish(const TicketKey& key);  // with writer_ held
  static void store(Slot& slot, const TicketKey& key);
  static void load(const Slot& slot, TicketKey& out);
  // True when a writer may have started overwriting a slot that a reader of generation `seen` read.
  bool overwritten_since(uint64_t seen) const;

  std::array<Slot, kSlots> slots_{};
  // The generation whose key is current, in slot generation_ % kSlots. Published after the slot is full.
  std::atomic<uint64_t> generation_{0};
  // The generation a writer is filling (== generation_ when none is): announced before it writes.
  std::atomic<uint64_t> writing_{0};
  std::mutex writer_;
};

}  // namespace tollgate::tls
