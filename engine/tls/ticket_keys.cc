#include "engine/tls/ticket_keys.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <cstring>

namespace tollgate::tls {
namespace {

// The packed layout of a key in a slot's words: name, AES key, HMAC key, creation time.
constexpr size_t kKeyBytes =
    sizeof(TicketKey::name) + sizeof(TicketKey::aes_key) + sizeof(TicketKey::hmac_key);

bool random_key(uint64_t now_s, TicketKey& key) {
  key.created_s = now_s;
  // The name goes out in clear in every ticket: public randomness is enough for it.
  return RAND_bytes(key.name.data(), static_cast<int>(key.name.size())) == 1 &&
         RAND_priv_bytes(key.aes_key.data(), static_cast<int>(key.aes_key.size())) == 1 &&
         RAND_priv_bytes(key.hmac_key.data(), static_cast<int>(key.hmac_key.size())) == 1;
}

}  // namespace

std::shared_ptr<TicketKeyRing> TicketKeyRing::create(uint64_t now_s) {
  TicketKey key;
  const bool ok = random_key(now_s, key);
  std::shared_ptr<TicketKeyRing> ring;
  if (ok) {
    ring.reset(new TicketKeyRing());
    store(ring->slots_[0], key);  // generation 0, published by the shared_ptr hand-off itself
  }
  OPENSSL_cleanse(&key, sizeof(key));
  return ring;
}

TicketKeyRing::~TicketKeyRing() {
  // No reader is left (the contexts holding the ring are gone); atomic<uint64_t> is plain storage.
  OPENSSL_cleanse(slots_.data(), sizeof(slots_));
}

void TicketKeyRing::store(Slot& slot, const TicketKey& key) {
  uint64_t words[kWords] = {};
  std::memcpy(words, key.name.data(), key.name.size());
  std::memcpy(reinterpret_cast<uint8_t*>(words) + key.name.size(), key.aes_key.data(), key.aes_key.size());
  std::memcpy(reinterpret_cast<uint8_t*>(words) + key.name.size() + key.aes_key.size(), key.hmac_key.data(),
              key.hmac_key.size());
  words[kWords - 1] = key.created_s;
  for (size_t i = 0; i < kWords; ++i) slot[i].store(words[i], std::memory_order_relaxed);
  OPENSSL_cleanse(words, sizeof(words));
}

void TicketKeyRing::load(const Slot& slot, TicketKey& out) {
  uint64_t words[kWords];
  for (size_t i = 0; i < kWords; ++i) words[i] = slot[i].load(std::memory_order_relaxed);
  const auto* bytes = reinterpret_cast<const uint8_t*>(words);
  std::memcpy(out.name.data(), bytes, out.name.size());
  std::memcpy(out.aes_key.data(), bytes + out.name.size(), out.aes_key.size());
  std::memcpy(out.hmac_key.data(), bytes + out.name.size() + out.aes_key.size(), out.hmac_key.size());
  static_assert(kKeyBytes == (kWords - 1) * sizeof(uint64_t));
  out.created_s = words[kWords - 1];
  OPENSSL_cleanse(words, sizeof(words));
}

void TicketKeyRing::publish(const TicketKey& key) {
  const uint64_t next = generation_.load(std::memory_order_relaxed) + 1;
  // Seqlock write side: announce, then a release fence so that a reader that sees any byte written below
  // (and then fences with acquire) also sees this announcement and discards what it read.
  writing_.store(next, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  store(slots_[next % kSlots], key);
  generation_.store(next, std::memory_order_release);
}

bool TicketKeyRing::rotate(uint64_t now_s) {
  TicketKey key;
  const bool ok = random_key(now_s, key);
  if (ok) {
    std::lock_guard lock(writer_);
    publish(key);
  }
  OPENSSL_cleanse(&key, sizeof(key));
  return ok;
}

bool TicketKeyRing::install(const TicketKey& key) {
  std::lock_guard lock(writer_);
  // Under writer_ nothing changes the slots, so the names can be compared directly.
  const uint64_t g = generation_.load(std::memory_order_relaxed);
  TicketKey present;
  bool duplicate = false;
  for (uint64_t k = 0; k < kAccepted && k <= g; ++k) {
    load(slots_[(g - k) % kSlots], present);
    duplicate = duplicate || present.name == key.name;
  }
  OPENSSL_cleanse(&present, sizeof(present));
  if (!duplicate) publish(key);
  return !duplicate;
}

bool TicketKeyRing::overwritten_since(uint64_t seen) const {
  // Seqlock read side: the relaxed slot loads come before this fence. The writer of generation W fills
  // slot W % kSlots; the first one that overwrites a slot a reader of `seen` reads (seen, seen-1, ...,
  // seen-kAccepted+1) is W = seen + kSlots - kAccepted + 1.
  std::atomic_thread_fence(std::memory_order_acquire);
  return writing_.load(std::memory_order_relaxed) >= seen + (kSlots - kAccepted) + 1;
}

void TicketKeyRing::current(TicketKey& out) const {
  for (;;) {
    const uint64_t g = generation_.load(std::memory_order_acquire);
    load(slots_[g % kSlots], out);
    if (!overwritten_since(g)) return;
  }
}

TicketKeyRing::Match TicketKeyRing::find(std::span<const uint8_t, 16> name, TicketKey& out) const {
  for (;;) {
    const uint64_t g = generation_.load(std::memory_order_acquire);
    Match match = Match::kNone;
    for (uint64_t k = 0; k < kAccepted && k <= g && match == Match::kNone; ++k) {
      load(slots_[(g - k) % kSlots], out);
      if (std::memcmp(out.name.data(), name.data(), name.size()) == 0) {
        match = k == 0 ? Match::kCurrent : Match::kPrevious;
      }
    }
    // A miss is checked too: torn names could hide the matching key.
    if (overwritten_since(g)) continue;
    if (match == Match::kNone) OPENSSL_cleanse(&out, sizeof(out));
    return match;
  }
}

}  // namespace tollgate::tls
