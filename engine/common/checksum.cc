#include "engine/common/checksum.h"

#include <bit>
#include <cstring>

namespace tollgate {

uint32_t checksum_partial(std::span<const uint8_t> data, uint32_t sum) {
  // RFC 1071 §2(B): the one's-complement sum is byte-order independent up to a final byte swap, so sum
  // native 32-bit words (eight bytes per step, no per-byte shifts) and swap once at the end.
  uint64_t acc = 0;
  const uint8_t* p = data.data();
  size_t n = data.size();
  for (; n >= 8; p += 8, n -= 8) {
    uint32_t a, b;
    std::memcpy(&a, p, 4);
    std::memcpy(&b, p + 4, 4);
    acc += uint64_t{a} + b;
  }
  if (n >= 4) {
    uint32_t a;
    std::memcpy(&a, p, 4);
    acc += a;
    p += 4;
    n -= 4;
  }
  if (n >= 2) {
    uint16_t a;
    std::memcpy(&a, p, 2);
    acc += a;
    p += 2;
    n -= 2;
  }
  while (acc >> 16) acc = (acc & 0xffffu) + (acc >> 16);
  uint32_t be = static_cast<uint32_t>(acc);
  if constexpr (std::endian::native == std::endian::little) be = ((be & 0xffu) << 8) | (be >> 8);
  if (n == 1) be += uint32_t{p[0]} << 8;  // odd trailing byte: the high half of a zero-padded word
  uint64_t total = uint64_t{sum} + be;
  while (total >> 32) total = (total & 0xffffffffu) + (total >> 32);
  return static_cast<uint32_t>(total);
}

uint16_t checksum_finish(uint32_t sum) {
  while (sum >> 16) sum = (sum & 0xffffu) + (sum >> 16);
  return static_cast<uint16_t>(~sum & 0xffffu);
}

uint16_t checksum_adjust(uint16_t checksum, uint16_t old_word, uint16_t new_word) {
  uint32_t sum = static_cast<uint16_t>(~checksum);
  sum += static_cast<uint16_t>(~old_word);
  sum += new_word;
  return checksum_finish(sum);
}

}  // namespace tollgate
