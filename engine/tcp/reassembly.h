// The receiver's out-of-order queue (RFC 9293 §3.10.7.4: segments beyond RCV.NXT are held until the gap
// before them fills). A fixed array of entries per connection, sorted by sequence number and never
// overlapping; nothing is allocated after construction.
//
// Payload is not copied: an entry names the buffer it arrived in by an opaque Handle (an rte_mbuf* in the
// dataplane, an int in tests) and where the payload starts inside it. Ownership: insert() takes the
// handle; it either keeps it in exactly one entry or passes it to `release` exactly once, before
// returning. Entries are never split, so one handle is never held twice. A kept handle leaves the queue
// exactly once: through pop_ready()'s `deliver` (ownership passes to the caller), or through `release`
// (trimmed away entirely, replaced, or clear()). Callbacks must not call back into the queue.
//
// Overlaps (RFC 9293 lets a receiver keep either copy of bytes received twice): bytes already queued are
// kept and the new segment is trimmed around them (its seq, offset and len adjusted); since entries are
// not split, an existing entry that the new segment covers completely is replaced by it and released.
//
// Bounds: at most kMaxSegments out-of-order entries and `max_bytes` out-of-order bytes; beyond either, a
// new segment is refused (and released). A segment that starts at RCV.NXT is always accepted, in one
// spare slot and over the byte budget: it is deliverable at once by pop_ready(), and refusing it could
// stall the connection behind its own full queue.
//
// The caller trims segments to the receive window first; all sequence numbers handled here then lie
// within 2^31 of RCV.NXT and compare correctly across the 2^32 wrap.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>

#include "engine/tcp/sequence.h"

namespace tollgate::tcp {

enum class InsertOutcome : uint8_t {
  kQueued,      // the segment (possibly trimmed) is held; its handle is kept
  kDuplicate,   // no byte of it was new (below RCV.NXT or already queued, or empty): released
  kQueueFull,   // kMaxSegments out-of-order entries already: released
  kOverBudget,  // it would take the queue over max_bytes: released
};

struct InsertResult {
  InsertOutcome outcome = InsertOutcome::kDuplicate;
  uint32_t new_bytes = 0;  // octets the queue did not hold before (0 unless kQueued)
  Seq seq = 0;             // the part of the segment kept, after trimming: [seq, seq + length)
  uint32_t length = 0;     // (more than new_bytes when it replaced queued entries)

  bool accepted() const { return outcome == InsertOutcome::kQueued; }  // the handle is kept
};

// Handle: a small copyable, default-constructible value (pointer or index).
template <typename Handle, size_t kMaxSegments>
class ReassemblyQueue {
  static_assert(kMaxSegments > 0);

 public:
  struct Entry {
    Seq seq = 0;          // first sequence number held
    uint32_t len = 0;     // octets held (never 0)
    Handle handle{};      // the buffer holding them
    uint32_t offset = 0;  // where octet `seq` sits in that buffer

    Seq end() const { return seq + len; }
  };

  explicit ReassemblyQueue(uint32_t max_bytes) : max_bytes_(max_bytes) {}

  // Queues `len` octets starting at sequence number `seq`, found at `offset` in the buffer `handle`.
  // Trims against RCV.NXT and the queued entries (see above); calls `release(Handle)` for the new handle
  // when it is not kept, and for every entry the new segment replaces.
  template <class Release>
  InsertResult insert(Seq seq, uint32_t len, Handle handle, uint32_t offset, Seq rcv_nxt, Release&& release) {
    Seq end = seq + len;
    if (len == 0 || seq_leq(end, rcv_nxt)) return refuse(handle, InsertOutcome::kDuplicate, release);
    if (seq_lt(seq, rcv_nxt)) trim_head(seq, offset, len, rcv_nxt);

    // Skip entries wholly below the segment, then trim its head past entries that start at or before it
    // (repeatedly: they may be adjacent).
    size_t i = 0;
    while (i < count_ && seq_leq(entries_[i].end(), seq)) ++i;
    for (; i < count_ && seq_leq(entries_[i].seq, seq); ++i) {
      if (seq_geq(entries_[i].end(), end)) return refuse(handle, InsertOutcome::kDuplicate, release);
      trim_head(seq, offset, len, entries_[i].end());
    }
    // Entries [i, j) lie inside the segment and are replaced by it; entry j, if it starts inside, keeps
    // its octets and the segment's tail is trimmed to where it starts.
    size_t j = i;
    uint32_t covered = 0;
    for (; j < count_ && seq_leq(entries_[j].end(), end); ++j) covered += entries_[j].len;
    if (j < count_ && seq_lt(entries_[j].seq, end)) {
      end = entries_[j].seq;
      len = seq_diff(end, seq);
    }

    const uint32_t new_bytes = len - covered;
    const size_t new_count = count_ - (j - i) + 1;
    if (seq != rcv_nxt) {
      if (new_count > kMaxSegments) return refuse(handle, InsertOutcome::kQueueFull, release);
      if (uint64_t{bytes_} + new_bytes > max_bytes_)
        return refuse(handle, InsertOutcome::kOverBudget, release);
    } else if (new_count > entries_.size()) {
      // Only when the caller moved RCV.NXT without pop_ready() and the spare slot is still taken.
      return refuse(handle, InsertOutcome::kQueueFull, release);
    }

    for (size_t k = i; k < j; ++k) release(entries_[k].handle);
    if (j == i) {
      std::copy_backward(entries_.begin() + i, entries_.begin() + count_, entries_.begin() + count_ + 1);
    } else {
      std::copy(entries_.begin() + j, entries_.begin() + count_, entries_.begin() + i + 1);
    }
    count_ = new_count;
    entries_[i] = Entry{seq, len, handle, offset};
    bytes_ += new_bytes;
    return {InsertOutcome::kQueued, new_bytes, seq, len};
  }

  // Hands over, in order, every entry that continues the stream at `rcv_nxt`: `deliver(handle, offset,
  // len)`, advancing rcv_nxt past each. Entries that RCV.NXT has overtaken (the caller delivered those
  // octets another way) are trimmed, or released when nothing of them is left. Returns how many entries
  // were delivered. A `deliver` that returns bool may refuse an entry (false: the caller could not take
  // it, e.g. out of memory): the entry stays queued with its handle, and delivery stops there.
  template <class Deliver, class Release>
  size_t pop_ready(Seq& rcv_nxt, Deliver&& deliver, Release&& release) {
    size_t k = 0;
    size_t delivered = 0;
    for (; k < count_; ++k) {
      Entry& e = entries_[k];
      if (seq_leq(e.end(), rcv_nxt)) {
        bytes_ -= e.len;
        release(e.handle);
        continue;
      }
      if (seq_lt(e.seq, rcv_nxt)) {
        bytes_ -= seq_diff(rcv_nxt, e.seq);
        trim_head(e.seq, e.offset, e.len, rcv_nxt);
      }
      if (e.seq != rcv_nxt) break;
      if constexpr (std::is_same_v<std::invoke_result_t<Deliver&, Handle, uint32_t, uint32_t>, bool>) {
        if (!deliver(e.handle, e.offset, e.len)) break;
      } else {
        deliver(e.handle, e.offset, e.len);
      }
      bytes_ -= e.len;
      rcv_nxt = e.end();
      ++delivered;
    }
    std::copy(entries_.begin() + k, entries_.begin() + count_, entries_.begin());
    count_ -= k;
    return delivered;
  }

  // The queued octets as ranges, ascending, adjacent entries merged (what SackGenerator wants). Writes
  // the first out.size() of them and returns how many there are in all.
  size_t ranges(std::span<SackBlock> out) const {
    size_t n = 0;
    SackBlock cur{};
    for (size_t k = 0; k < count_; ++k) {
      const Entry& e = entries_[k];
      if (n > 0 && cur.right == e.seq) {
        cur.right = e.end();
      } else {
        if (n > 0 && n <= out.size()) out[n - 1] = cur;
        cur = {e.seq, e.end()};
        ++n;
      }
    }
    if (n > 0 && n <= out.size()) out[n - 1] = cur;
    return n;
  }

  // Releases every handle held (connection teardown; nothing may leak).
  template <class Release>
  void clear(Release&& release) {
    for (size_t k = 0; k < count_; ++k) release(entries_[k].handle);
    count_ = 0;
    bytes_ = 0;
  }

  uint32_t bytes() const { return bytes_; }
  size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  uint32_t max_bytes() const { return max_bytes_; }
  std::span<const Entry> entries() const { return {entries_.data(), count_}; }

 private:
  // Drops the octets of [seq, seq + len) below `to` (which lies inside it).
  static void trim_head(Seq& seq, uint32_t& offset, uint32_t& len, Seq to) {
    const uint32_t cut = seq_diff(to, seq);
    seq = to;
    offset += cut;
    len -= cut;
  }

  template <class Release>
  static InsertResult refuse(Handle handle, InsertOutcome why, Release& release) {
    release(handle);
    return {why, 0, 0, 0};
  }

  std::array<Entry, kMaxSegments + 1> entries_{};  // sorted, disjoint; +1: the spare slot (see above)
  size_t count_ = 0;
  uint32_t bytes_ = 0;  // sum of entries' len
  uint32_t max_bytes_;
};

}  // namespace tollgate::tcp
