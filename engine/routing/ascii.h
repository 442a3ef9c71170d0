// ASCII case folding for protocol tokens (hosts, header names, schemes): never locale-dependent.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace tollgate::routing {

constexpr char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

constexpr bool equals_caseless(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return ascii_lower(x) == ascii_lower(y); });
}

namespace detail {

// Eight bytes at once: 0x20 is added to each byte in 'A'..'Z' (bytes over 0x7f are left alone).
constexpr uint64_t ascii_lower_word(uint64_t x) {
  constexpr uint64_t kOnes = 0x0101010101010101, kHigh = 0x8080808080808080;
  const uint64_t low7 = x & ~kHigh;
  const uint64_t above_z = low7 + kOnes * (0x7f - 'Z');   // high bit: byte > 'Z'
  const uint64_t from_a = low7 + kOnes * (0x80 - 'A');    // high bit: byte >= 'A'
  const uint64_t upper = from_a & ~above_z & ~x & kHigh;  // and not a byte over 0x7f
  return x | (upper >> 2);
}

}  // namespace detail

// Writes `in` backwards and lowercased to `out` (in.size() bytes). The host of every request goes through
// this, so whole words are reversed and folded at once; nothing past `in` is read.
inline void ascii_lower_reversed(std::string_view in, char* out) {
  const size_t n = in.size(), words = n / 8;
  for (size_t i = 0; i < words; ++i) {
    uint64_t w;
    std::memcpy(&w, in.data() + n - 8 * (i + 1), 8);
    w = detail::ascii_lower_word(__builtin_bswap64(w));
    std::memcpy(out + 8 * i, &w, 8);
  }
  for (size_t i = 8 * words; i < n; ++i) out[i] = ascii_lower(in[n - 1 - i]);
}

}  // namespace tollgate::routing
