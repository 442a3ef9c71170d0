#include "engine/tcp/keyed_hash.h"

#include <gtest/gtest.h>

#include <random>
#include <type_traits>
#include <vector>

namespace tollgate::tcp {
namespace {

static_assert(!std::is_copy_constructible_v<KeyedHash> && !std::is_copy_assignable_v<KeyedHash>);
static_assert(std::is_nothrow_move_constructible_v<KeyedHash> &&
              std::is_nothrow_move_assignable_v<KeyedHash>);

KeyedHash::Key reference_key() {
  KeyedHash::Key key;
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(i);
  return key;
}

std::vector<uint8_t> counting_message(size_t length) {
  std::vector<uint8_t> m(length);
  for (size_t i = 0; i < length; ++i) m[i] = static_cast<uint8_t>(i);
  return m;
}

// SipHash-2-4 written from the paper's description (Aumasson and Bernstein 2012, §2), to check the OpenSSL
// path against on arbitrary keys and lengths.
uint64_t spec_siphash24(const KeyedHash::Key& key, const std::vector<uint8_t>& m) {
  auto le64 = [](const uint8_t* p) {
    uint64_t v = 0;
    for (size_t i = 8; i-- > 0;) v = v << 8 | p[i];
    return v;
  };
  auto rotl = [](uint64_t x, int b) { return x << b | x >> (64 - b); };
  const uint64_t k0 = le64(key.data());
  const uint64_t k1 = le64(key.data() + 8);
  uint64_t v0 = k0 ^ 0x736f6d6570736575ull;
  uint64_t v1 = k1 ^ 0x646f72616e646f6dull;
  uint64_t v2 = k0 ^ 0x6c7967656e657261ull;
  uint64_t v3 = k1 ^ 0x7465646279746573ull;
  auto sip_round = [&] {
    v0 += v1;
    v1 = rotl(v1, 13) ^ v0;
    v0 = rotl(v0, 32);
    v2 += v3;
    v3 = rotl(v3, 16) ^ v2;
    v0 += v3;
    v3 = rotl(v3, 21) ^ v0;
    v2 += v1;
    v1 = rotl(v1, 17) ^ v2;
    v2 = rotl(v2, 32);
  };
  auto compress = [&](uint64_t word) {
    v3 ^= word;
    sip_round();
    sip_round();
    v0 ^= word;
  };
  const size_t full = m.size() / 8 * 8;
  for (size_t i = 0; i < full; i += 8) compress(le64(m.data() + i));
  // Last word: the remaining bytes, then the message length modulo 256 in the top byte.
  uint64_t last = uint64_t{static_cast<uint8_t>(m.size())} << 56;
  for (size_t i = full; i < m.size(); ++i) last |= uint64_t{m[i]} << (8 * (i - full));
  compress(last);
  v2 ^= 0xff;
  for (int i = 0; i < 4; ++i) sip_round();
  return v0 ^ v1 ^ v2 ^ v3;
}

// The reference implementation's vectors (vectors.h, "vectors_sip64"): key 00..0f, message 00..len-1,
// printed as the 64-bit value of the little-endian output bytes.
TEST(KeyedHash, PublishedSipHash24Vectors) {
  KeyedHash h(reference_key());
  const struct {
    size_t length;
    uint64_t value;
  } vectors[] = {
      {0, 0x726fdb47dd0e0e31}, {1, 0x74f839c593dc67fd}, {2, 0x0d6c8009d9a94f5a},
      {7, 0xab0200f58b01d137}, {8, 0x93f5f5799a932462}, {15, 0xa129ca6149be45e5},
  };
  for (int round = 0; round < 2; ++round) {  // the second round runs on a context that has been used
    for (const auto& v : vectors) EXPECT_EQ(h.hash(counting_message(v.length)), v.value) << v.length;
  }
  // The paper's appendix example, 15 bytes: output bytes e5 45 be 49 61 ca 29 a1.
  const uint64_t h15 = h.hash(counting_message(15));
  EXPECT_EQ(h15 & 0xff, 0xe5u);
  EXPECT_EQ(h15 >> 56, 0xa1u);
}

TEST(KeyedHash, AgreesWithSpecOnRandomKeysAndLengths) {
  std::mt19937_64 rng(6528);
  for (int k = 0; k < 8; ++k) {
    KeyedHash::Key key;
    for (uint8_t& b : key) b = static_cast<uint8_t>(rng());
    KeyedHash h(key);
    for (size_t length = 0; length <= 40; ++length) {
      std::vector<uint8_t> m(length);
      for (uint8_t& b : m) b = static_cast<uint8_t>(rng());
      ASSERT_EQ(h.hash(m), spec_siphash24(key, m)) << "key " << k << " length " << length;
    }
  }
}

TEST(KeyedHash, HashTupleIsTheBigEndianLayout) {
  KeyedHash h(reference_key());
  const std::vector<uint8_t> m = {192, 0, 2,    1,    0x01, 0xbb, 198,  51,
                                  100, 7, 0xc3, 0x50, 0xde, 0xad, 0xbe, 0xef};
  EXPECT_EQ(h.hash_tuple(0xc0000201, 443, 0xc6336407, 50000, 0xdeadbeef), h.hash(m));
  EXPECT_EQ(h.hash_tuple(0xc0000201, 443, 0xc6336407, 50000, 0xdeadbeef), spec_siphash24(reference_key(), m));
}

TEST(KeyedHash, EveryInputFieldAndTheKeyMatter) {
  KeyedHash h(reference_key());
  const uint64_t base = h.hash_tuple(1, 2, 3, 4, 5);
  EXPECT_EQ(h.hash_tuple(1, 2, 3, 4, 5), base);
  EXPECT_NE(h.hash_tuple(9, 2, 3, 4, 5), base);
  EXPECT_NE(h.hash_tuple(1, 9, 3, 4, 5), base);
  EXPECT_NE(h.hash_tuple(1, 2, 9, 4, 5), base);
  EXPECT_NE(h.hash_tuple(1, 2, 3, 9, 5), base);
  EXPECT_NE(h.hash_tuple(1, 2, 3, 4, 9), base);
  // Swapping the two ends is another tuple (the hash is not symmetric, unlike the RSS hash).
  EXPECT_NE(h.hash_tuple(3, 4, 1, 2, 5), base);
  KeyedHash::Key other = reference_key();
  other[15] ^= 1;
  KeyedHash g(other);
  EXPECT_NE(g.hash_tuple(1, 2, 3, 4, 5), base);
}

TEST(KeyedHash, MovedInstanceKeepsItsKey) {
  KeyedHash a(reference_key());
  const uint64_t expected = a.hash(counting_message(15));
  KeyedHash b(std::move(a));
  EXPECT_EQ(b.hash(counting_message(15)), expected);
  KeyedHash c(KeyedHash::random_key());
  c = std::move(b);
  EXPECT_EQ(c.hash(counting_message(15)), expected);
}

TEST(KeyedHash, RandomKeysDiffer) {
  const KeyedHash::Key a = KeyedHash::random_key();
  const KeyedHash::Key b = KeyedHash::random_key();
  EXPECT_NE(a, b);
  EXPECT_NE(a, KeyedHash::Key{});
}

}  // namespace
}  // namespace tollgate::tcp
