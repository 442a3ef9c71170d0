#include "engine/net/toeplitz.h"

#include "engine/common/byte_order.h"

namespace tollgate::net {

RssKey microsoft_rss_key() {
  return {0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
          0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
          0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa};
}

RssKey symmetric_rss_key() {
  RssKey key;
  for (size_t i = 0; i < key.size(); i += 2) {
    key[i] = 0x6d;
    key[i + 1] = 0x5a;
  }
  return key;
}

ToeplitzHash::ToeplitzHash(const RssKey& key) {
  // Bit b of the input (counting from the most significant bit of byte 0) contributes the 32 key bits
  // starting at bit b. Tabulate that contribution for every value of every input byte.
  auto key_window = [&key](size_t bit) {
    const size_t byte = bit / 8;
    const size_t shift = bit % 8;
    uint64_t w = 0;
    for (size_t i = 0; i < 5; ++i) w = w << 8 | (byte + i < key.size() ? key[byte + i] : 0);
    return static_cast<uint32_t>(w >> (8 - shift));
  };
  for (size_t pos = 0; pos < kRssTupleSize; ++pos) {
    for (uint32_t value = 0; value < 256; ++value) {
      uint32_t h = 0;
      for (size_t bit = 0; bit < 8; ++bit) {
        if (value & (0x80u >> bit)) h ^= key_window(pos * 8 + bit);
      }
      table_[pos][value] = h;
    }
  }
}

uint32_t ToeplitzHash::hash(std::span<const uint8_t> tuple) const {
  uint32_t h = 0;
  for (size_t i = 0; i < tuple.size() && i < kRssTupleSize; ++i) h ^= table_[i][tuple[i]];
  return h;
}

uint32_t ToeplitzHash::hash_addresses(const FlowKey& key) const {
  std::array<uint8_t, 8> t;
  store_be32(t.data(), key.source.value);
  store_be32(t.data() + 4, key.destination.value);
  return hash(t);
}

uint32_t ToeplitzHash::hash_flow(const FlowKey& key) const {
  std::array<uint8_t, kRssTupleSize> t;
  store_be32(t.data(), key.source.value);
  store_be32(t.data() + 4, key.destination.value);
  store_be16(t.data() + 8, key.source_port);
  store_be16(t.data() + 10, key.destination_port);
  return hash(t);
}

}  // namespace tollgate::net
