// A hashed timing wheel (Varghese & Lauck, "Hashed and Hierarchical Timing Wheels", scheme 6) for the
// per-core timers: TCP's (retransmission, delayed ACK, persist, keepalive, TIME-WAIT) and the proxies'
// session deadlines.
//
// Timers are intrusive: a connection embeds its TimerNodes and the wheel links them into per-slot lists,
// so scheduling, rescheduling and cancelling are O(1) and never allocate. Only the slot array is
// allocated, at construction. One wheel per core; no locks.
//
// Time is in microseconds from whatever monotonic clock the owner uses. A node due at `expires` lands in
// slot (expires / tick) mod slots; timers more than one revolution ahead share slots with nearer ones and
// are skipped (their `expires` is checked on every visit) until their round comes.
//
// Guarantees:
//  - a timer never fires early: it fires in the first advance(now) with now >= expires (so never more
//    than one tick late when advance() is called every tick);
//  - advance() visits at most `slots` slots however long the gap since the last call;
//  - callbacks may schedule or cancel any node, the firing one included: each slot's list is detached
//    before its nodes are visited. A node scheduled from a callback at or before `now` fires later in
//    the same advance() if its slot is still to be visited, otherwise in the next advance(); so a timer
//    that keeps rescheduling itself into the past cannot loop.
// Order: slots fire in time order; within one slot, in the order nodes were scheduled. After a gap of
// more than a revolution, due timers from different rounds of one slot fire together.
//
// A scheduled node must stay at its address (do not copy or move it) until it fires or is cancelled;
// destroying the wheel unschedules every node still in it, so nodes still scheduled must outlive the
// wheel (or be cancelled before they go). Callbacks must not throw.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace tollgate {

struct TimerNode {
  TimerNode* prev = nullptr;  // neighbours in the slot list; null while not scheduled
  TimerNode* next = nullptr;
  uint64_t expires = 0;  // absolute due time, microseconds; meaningful while scheduled

  bool scheduled() const { return next != nullptr; }
};

// A node that knows what it belongs to: the node the wheel fires leads back to its owner (a session, a
// probe). The node comes first, so the two share an address.
template <typename Owner>
struct OwnedTimer {
  TimerNode node;
  Owner* owner = nullptr;

  static Owner& owner_of(TimerNode& n) { return *reinterpret_cast<OwnedTimer*>(&n)->owner; }
};

class TimerWheel {
 public:
  // `tick_us`: slot granularity (0 is taken as 1). `slots`: rounded up to a power of two. `now_us`: the
  // current time; nothing is due before it.
  TimerWheel(uint64_t tick_us, uint32_t slots, uint64_t now_us)
      : tick_us_(tick_us == 0 ? 1 : tick_us), tick_(now_us / tick_us_) {
    size_t n = 1;
    while (n < slots) n <<= 1;
    slots_.resize(n);
    mask_ = n - 1;
    for (TimerNode& head : slots_) head.prev = head.next = &head;
  }

  ~TimerWheel() {
    for (TimerNode& head : slots_) {
      for (TimerNode* n = head.next; n != &head;) {
        TimerNode* next = n->next;
        n->prev = n->next = nullptr;
        n = next;
      }
    }
  }

  // Slot lists point at slots_ and nodes point into them: the wheel stays where it was built.
  TimerWheel(const TimerWheel&) = delete;
  TimerWheel& operator=(const TimerWheel&) = delete;

  // Arms `node` to fire at `expires_us`; a node already scheduled is moved to the new time.
  void schedule(TimerNode& node, uint64_t expires_us) {
    if (node.scheduled()) {
      unlink(node);
    } else {
      ++size_;
    }
    node.expires = expires_us;
    link_tail(slots_[slot_of(expires_us)], node);
  }

  // Disarms `node`; a node that is not scheduled is left alone.
  void cancel(TimerNode& node) {
    if (!node.scheduled()) return;
    unlink(node);
    --size_;
  }

  // Fires every node due at `now_us`: it is unscheduled, then `on_expire(TimerNode&)` is called. Returns
  // how many fired. A `now_us` earlier than a previous one fires only what is due at `now_us`.
  template <class F>
  size_t advance(uint64_t now_us, F&& on_expire) {
    uint64_t target = now_us / tick_us_;
    if (target < tick_) target = tick_;
    // The slot of the last call's tick may still hold nodes due later in that tick: visit it again.
    uint64_t first = tick_;
    if (target - first > mask_) first = target - mask_;  // a long gap: each slot once
    // Moving the clock first makes a node scheduled by a callback for any earlier tick land in the
    // target's slot, which is visited last, so no due node is left behind a visited slot.
    tick_ = target;
    size_t fired = 0;
    for (uint64_t t = first;; ++t) {
      fired += expire_slot(slots_[t & mask_], now_us, on_expire);
      if (t == target) break;
    }
    return fired;
  }

  // Scheduled nodes.
  size_t size() const { return size_; }
  size_t slots() const { return slots_.size(); }
  uint64_t tick_us() const { return tick_us_; }

 private:
  size_t slot_of(uint64_t expires_us) const {
    uint64_t t = expires_us / tick_us_;
    if (t < tick_) t = tick_;  // already due: the current slot, visited by the next advance()
    return static_cast<size_t>(t & mask_);
  }

  static void link_tail(TimerNode& head, TimerNode& node) {
    node.prev = head.prev;
    node.next = &head;
    head.prev->next = &node;
    head.prev = &node;
  }

  static void unlink(TimerNode& node) {
    node.prev->next = node.next;
    node.next->prev = node.prev;
    node.prev = node.next = nullptr;
  }

  template <class F>
  size_t expire_slot(TimerNode& head, uint64_t now_us, F& on_expire) {
    if (head.next == &head) return 0;
    // Detach the whole list under a local head: callbacks may then unlink or relink any node (in this
    // list or elsewhere) while we walk, and nothing they add to the slot is visited in this pass.
    TimerNode pending;
    pending.next = head.next;
    pending.prev = head.prev;
    pending.next->prev = &pending;
    pending.prev->next = &pending;
    head.prev = head.next = &head;

    size_t fired = 0;
    while (pending.next != &pending) {
      TimerNode& node = *pending.next;
      unlink(node);
      if (node.expires <= now_us) {
        --size_;
        ++fired;
        on_expire(node);
      } else {
        link_tail(head, node);  // a later round, or later in this tick
      }
    }
    return fired;
  }

  uint64_t tick_us_;
  uint64_t tick_;  // the tick of the last advance(); a node sits in the slot of its due tick, or of
                   // tick_ when that tick has passed
  size_t mask_ = 0;
  size_t size_ = 0;
  std::vector<TimerNode> slots_;  // list heads (sentinels); never resized after construction
};

}  // namespace tollgate
