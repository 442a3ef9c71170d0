#include "engine/common/checksum.h"

#include <gtest/gtest.h>

#include <vector>

#include "engine/common/byte_order.h"

namespace tollgate {
namespace {

TEST(Checksum, Rfc1071Example) {
  // RFC 1071 §3: the words 0001 f203 f4f5 f6f7 sum to ddf2 (before inversion).
  const std::vector<uint8_t> data = {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
  EXPECT_EQ(checksum_finish(checksum_partial(data)), static_cast<uint16_t>(~0xddf2));
}

TEST(Checksum, OddLengthPadsWithZero) {
  const std::vector<uint8_t> odd = {0x12, 0x34, 0x56};
  const std::vector<uint8_t> even = {0x12, 0x34, 0x56, 0x00};
  EXPECT_EQ(checksum_compute(odd), checksum_compute(even));
}

TEST(Checksum, RegionWithItsChecksumVerifiesToZero) {
  std::vector<uint8_t> header = {0x45, 0x00, 0x00, 0x2c, 0xd6, 0x7f, 0x40, 0x00, 0x40, 0x01,
                                 0x00, 0x00, 0xc6, 0x12, 0x00, 0x02, 0xc6, 0x12, 0x00, 0x01};
  store_be16(header.data() + 10, checksum_compute(header));
  EXPECT_EQ(load_be16(header.data() + 10), 0xd829);  // as Linux sent it
  EXPECT_EQ(checksum_compute(header), 0);
}

TEST(Checksum, IncrementalUpdateMatchesFullRecompute) {
  std::vector<uint8_t> data(64);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 37 + 11);
  for (uint32_t new_word : {0x0000u, 0xffffu, 0x1234u, 0x8000u}) {
    std::vector<uint8_t> d = data;
    store_be16(d.data() + 2, 0);
    const uint16_t before = checksum_compute(d);
    store_be16(d.data() + 2, before);
    const uint16_t old_word = load_be16(d.data() + 10);
    store_be16(d.data() + 10, static_cast<uint16_t>(new_word));
    store_be16(d.data() + 2, checksum_adjust(before, old_word, static_cast<uint16_t>(new_word)));
    EXPECT_EQ(checksum_compute(d), 0) << "new word " << new_word;
  }
}

// The word-at-a-time sum must equal a plain big-endian 16-bit sum for every length and alignment, and
// partial sums must chain (pseudo-header + segment).
TEST(Checksum, MatchesReferenceForEveryLengthAndOffset) {
  std::vector<uint8_t> data(300);
  uint32_t seed = 12345;
  for (auto& b : data) {
    seed = seed * 1103515245u + 12345u;
    b = static_cast<uint8_t>(seed >> 16);
  }
  auto reference = [](std::span<const uint8_t> d) {
    uint64_t acc = 0;
    for (size_t i = 0; i < d.size(); i += 2) acc += (uint32_t{d[i]} << 8) | (i + 1 < d.size() ? d[i + 1] : 0);
    while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
    return static_cast<uint16_t>(~acc);
  };
  for (size_t off = 0; off < 4; ++off) {
    for (size_t len = 0; len + off <= data.size(); ++len) {
      const auto region = std::span<const uint8_t>(data).subspan(off, len);
      ASSERT_EQ(checksum_compute(region), reference(region)) << "off " << off << " len " << len;
    }
  }
  const auto all = std::span<const uint8_t>(data);
  EXPECT_EQ(checksum_finish(checksum_partial(all.subspan(12), checksum_partial(all.first(12)))),
            checksum_compute(all));
  // A non-zero carried-in sum near the top of its range must not overflow.
  EXPECT_EQ(checksum_finish(checksum_partial(all.first(2), 0xffffffffu)),
            checksum_finish(checksum_partial(all.first(2), 0xffffu + 0xffffu)));
}

}  // namespace
}  // namespace tollgate
