// The Internet checksum (RFC 1071) and its incremental update (RFC 1624), used by IPv4, ICMP and later
// TCP whenever the port cannot offload them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace tollgate {

// One's-complement sum of 16-bit big-endian words, not yet folded or inverted, so that partial sums of
// several regions (pseudo-header + segment) can be added before folding.
uint32_t checksum_partial(std::span<const uint8_t> data, uint32_t sum = 0);

// Folds a partial sum to 16 bits and inverts it: the value to store in a checksum field.
uint16_t checksum_finish(uint32_t sum);

// Checksum of a region that contains its own checksum field: 0 means the region verifies.
inline uint16_t checksum_compute(std::span<const uint8_t> data) {
  return checksum_finish(checksum_partial(data));
}

// RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), for a 16-bit field that changed from `old_word` to `new_word`.
// Lets a reply built in place keep a valid checksum without reading the payload again.
uint16_t checksum_adjust(uint16_t checksum, uint16_t old_word, uint16_t new_word);

}  // namespace tollgate
