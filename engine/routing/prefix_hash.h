// Hashes of a text's prefixes from one pass over it: LiteralSet probes its table at every length where it
// holds a prefix literal, and rehashing the text from its start for each length would read it many times.
// Eight bytes are mixed at a time; a prefix's hash is the state after its whole words plus its last partial
// word and its length. The table's keys are hashed by the same code, so the two always agree.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace tollgate::routing {

class PrefixHasher {
 public:
  explicit PrefixHasher(std::string_view text) : text_(text) {}

  // The hash of text[0, length). Lengths must not decrease from one call to the next, nor pass the text.
  uint64_t at(size_t length) {
    for (; (words_ + 1) * 8 <= length; ++words_) state_ = mix(state_ ^ load8(words_ * 8));
    return mix(mix(state_ ^ tail(length)) ^ length);
  }

  static uint64_t of(std::string_view text) { return PrefixHasher(text).at(text.size()); }

 private:
  static uint64_t mix(uint64_t h) {
    h *= 0x9e3779b97f4a7c15;
    return h ^ (h >> 29);
  }
  uint64_t load8(size_t at) const {
    uint64_t w;
    std::memcpy(&w, text_.data() + at, 8);
    return w;
  }
  // The bytes of text[0, length) after its whole words, as if copied into a zeroed word (little-endian).
  // Never reads past `length`: the request's bytes are views into buffers we do not own. Taken from the
  // word that ends at `length` rather than by copying the few bytes, which would make the load wait for
  // the byte stores to drain (a store-forwarding stall that cost more than the rest of the hash).
  uint64_t tail(size_t length) const {
    const size_t n = length - words_ * 8;
    if (n == 0) return 0;
    if (length >= 8) return load8(length - 8) >> (64 - 8 * n);
    uint64_t w = 0;
    for (size_t i = n; i-- > 0;) w = w << 8 | static_cast<uint8_t>(text_[i]);
    return w;
  }

  std::string_view text_;
  uint64_t state_ = 0x243f6a8885a308d3;
  size_t words_ = 0;
};

}  // namespace tollgate::routing
