// A per-core IPv4 → MAC table (RFC 826 resolution, RFC 1122 §2.3.2.1 flooding limits) with a bounded
// queue of packets waiting for each unresolved neighbour. One core owns a table: no locks.
//
// Packet is an opaque handle (an rte_mbuf* in the dataplane, an int in tests); the table never frees one,
// it hands them back through callbacks so the owner decides how to send or drop them.
// Time is whatever monotonic unit the caller uses consistently (the dataplane passes milliseconds).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "engine/net/addresses.h"

namespace tollgate::net {

struct NeighbourConfig {
  uint32_t capacity = 1024;         // entries; rounded up to a power of two
  uint64_t reachable_time = 30000;  // how long a learned entry is used without being refreshed
  uint64_t probe_interval = 1000;   // between ARP requests for an unresolved entry
  uint32_t max_probes = 3;          // then the entry fails and its queued packets are dropped
  bool operator==(const NeighbourConfig&) const = default;
};

enum class NeighbourState : uint8_t { kFree, kIncomplete, kReachable };

template <typename Packet, size_t kMaxPending = 4>
class NeighbourTable {
 public:
  enum class Outcome : uint8_t {
    kResolved,    // mac is valid: send now
    kStale,       // mac is valid but unconfirmed for a while: send now, and send an ARP request to refresh
    kQueued,      // packet held; an ARP request should go out now (first packet of a new entry)
    kQueuedWait,  // packet held behind a request already sent
    kQueueFull,   // not held: drop it
    kTableFull,   // not held: drop it
  };
  struct Resolution {
    Outcome outcome;
    MacAddress mac;
  };

  explicit NeighbourTable(const NeighbourConfig& config) : config_(config) {
    size_t cap = 16;
    while (cap < config.capacity) cap <<= 1;
    entries_.resize(cap);
    mask_ = cap - 1;
  }

  // Looks `ip` up for transmission; when unknown, holds `packet` and reports whether to probe.
  Resolution resolve(Ipv4Address ip, Packet packet, uint64_t now) {
    Entry* e = find(ip);
    if (e && e->state == NeighbourState::kReachable) {
      if (now < e->expires) return {Outcome::kResolved, e->mac};
      // Unconfirmed for reachable_time but in use: keep sending to the known MAC while an ARP request
      // revalidates it (RFC 1122 §2.3.2.1), at most one request per probe interval. Stopping traffic
      // to re-resolve a busy neighbour would stall every flow to it.
      e->expires = now + config_.probe_interval;
      return {Outcome::kStale, e->mac};
    }
    bool fresh = false;
    if (!e) {
      e = insert(ip);
      if (!e) return {Outcome::kTableFull, {}};
      fresh = true;
    }
    if (e->pending_count == kMaxPending) return {Outcome::kQueueFull, {}};
    e->pending[e->pending_count++] = packet;
    if (fresh || e->probes == 0) {
      e->probes = 1;
      e->expires = now + config_.probe_interval;
      return {Outcome::kQueued, {}};
    }
    return {Outcome::kQueuedWait, {}};
  }

  std::optional<MacAddress> lookup(Ipv4Address ip, uint64_t now) const {
    const Entry* e = find(ip);
    if (e && e->state == NeighbourState::kReachable && now < e->expires) return e->mac;
    return std::nullopt;
  }

  // An ARP message showed ip → mac. RFC 826 merge: an existing entry is always updated; a new one is
  // created only when `create` (the message was addressed to us). Packets that were waiting are passed to
  // `release(packet, mac)` in arrival order. Returns true when an entry was created or changed.
  template <typename Release>
  bool learn(Ipv4Address ip, const MacAddress& mac, uint64_t now, bool create, Release&& release) {
    Entry* e = find(ip);
    if (!e) {
      if (!create) return false;
      e = insert(ip);
      if (!e) return false;
    }
    const bool changed = e->state != NeighbourState::kReachable || e->mac != mac;
    e->state = NeighbourState::kReachable;
    e->mac = mac;
    e->expires = now + config_.reachable_time;
    e->probes = 0;
    for (uint8_t i = 0; i < e->pending_count; ++i) release(e->pending[i], mac);
    e->pending_count = 0;
    return changed;
  }

  // Runs the timers: re-probes incomplete entries (`probe(ip)`), fails those out of probes (their queued
  // packets go to `drop(packet)`), and frees expired reachable entries.
  template <typename Probe, typename Drop>
  void expire(uint64_t now, Probe&& probe, Drop&& drop) {
    for (size_t i = 0; i < entries_.size(); ++i) {
      Entry& e = entries_[i];
      if (e.state == NeighbourState::kFree || now < e.expires) continue;
      if (e.state == NeighbourState::kIncomplete && e.probes > 0 && e.probes < config_.max_probes) {
        ++e.probes;
        e.expires = now + config_.probe_interval;
        probe(e.ip);
        continue;
      }
      for (uint8_t p = 0; p < e.pending_count; ++p) drop(e.pending[p]);
      erase(i);
      --i;  // backward-shift deletion may have moved a later entry into slot i
    }
  }

  // Empties the table, handing every held packet to `drop(packet)` (shutdown: nothing may leak).
  template <typename Drop>
  void clear(Drop&& drop) {
    for (Entry& e : entries_) {
      for (uint8_t p = 0; p < e.pending_count; ++p) drop(e.pending[p]);
      e = Entry{};
    }
    used_ = 0;
  }

  size_t size() const { return used_; }
  size_t capacity() const { return entries_.size(); }

 private:
  struct Entry {
    Ipv4Address ip;
    MacAddress mac;
    NeighbourState state = NeighbourState::kFree;
    uint8_t pending_count = 0;
    uint8_t probes = 0;
    uint64_t expires = 0;
    std::array<Packet, kMaxPending> pending{};
  };

  size_t slot_of(Ipv4Address ip) const {
    // Fibonacci hashing spreads sequential addresses (a /24 of clients) across the table.
    return static_cast<size_t>((uint64_t{ip.value} * 0x9e3779b97f4a7c15ull) >> 32) & mask_;
  }

  const Entry* find(Ipv4Address ip) const {
    for (size_t i = slot_of(ip), n = 0; n <= mask_; i = (i + 1) & mask_, ++n) {
      const Entry& e = entries_[i];
      if (e.state == NeighbourState::kFree) return nullptr;
      if (e.ip == ip) return &e;
    }
    return nullptr;
  }
  Entry* find(Ipv4Address ip) { return const_cast<Entry*>(std::as_const(*this).find(ip)); }

  Entry* insert(Ipv4Address ip) {
    // Keep the table at most 3/4 full so probe sequences stay short.
    if ((used_ + 1) * 4 > entries_.size() * 3) return nullptr;
    size_t i = slot_of(ip);
    while (entries_[i].state != NeighbourState::kFree) i = (i + 1) & mask_;
    entries_[i] = Entry{};
    entries_[i].ip = ip;
    entries_[i].state = NeighbourState::kIncomplete;
    ++used_;
    return &entries_[i];
  }

  // Linear-probing deletion by backward shift: no tombstones, so lookups never slow down over time.
  void erase(size_t i) {
    size_t hole = i;
    for (size_t j = (i + 1) & mask_; entries_[j].state != NeighbourState::kFree; j = (j + 1) & mask_) {
      const size_t home = slot_of(entries_[j].ip);
      const bool movable = (hole <= j) ? (home <= hole || home > j) : (home <= hole && home > j);
      if (movable) {
        entries_[hole] = entries_[j];
        hole = j;
      }
    }
    entries_[hole] = Entry{};
    --used_;
  }

  NeighbourConfig config_;
  std::vector<Entry> entries_;
  size_t mask_ = 0;
  size_t used_ = 0;
};

}  // namespace tollgate::net
