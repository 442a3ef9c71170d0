#include "engine/common/checksum.h"

#include "engine/common/byte_order.h"

namespace tollgate {

uint32_t checksum_partial(std::span<const uint8_t> data, uint32_t sum) {
  // 64-bit accumulator: no carry folding inside the loop for any frame size we handle.
  uint64_t acc = sum;
  size_t i = 0;
  const size_t n = data.size();
  for (; i + 1 < n; i += 2) acc += load_be16(data.data() + i);
  if (i < n) acc += uint32_t{data[i]} << 8;
  while (acc >> 32) acc = (acc & 0xffffffffu) + (acc >> 32);
  return static_cast<uint32_t>(acc);
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
