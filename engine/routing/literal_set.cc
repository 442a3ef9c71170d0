#include "engine/routing/literal_set.h"

namespace tollgate::routing {

LiteralSet::LiteralSet(const std::vector<Literal>& literals) {
  if (literals.empty()) return;
  size_t size = 8;
  while (size < literals.size() * 2) size *= 2;
  slots_.resize(size);
  mask_ = size - 1;
  for (const Literal& l : literals) {
    const uint64_t hash = PrefixHasher::of(l.bytes);
    Slot& slot = slots_[slot_for(l.bytes, hash)];
    if (!slot.used()) {
      slot = Slot{hash, static_cast<uint32_t>(keys_.size()), static_cast<uint32_t>(l.bytes.size())};
      keys_ += l.bytes;
    }
    (l.prefix ? slot.prefix : slot.exact) = l.pattern;
    if (l.prefix) {
      if (prefix_lengths_.size() <= l.bytes.size() / 64) prefix_lengths_.resize(l.bytes.size() / 64 + 1, 0);
      prefix_lengths_[l.bytes.size() / 64] |= uint64_t{1} << (l.bytes.size() % 64);
    }
  }
}

}  // namespace tollgate::routing
