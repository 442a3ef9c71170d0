// Link and network addresses as value types. IPv6 is not routed yet, but its address type exists so the
// flow key and neighbour code grow into it without changing shape.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tollgate::net {

struct MacAddress {
  std::array<uint8_t, 6> bytes{};

  static constexpr MacAddress broadcast() { return {{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}}; }
  static constexpr MacAddress zero() { return {}; }
  bool is_broadcast() const { return *this == broadcast(); }
  // Group bit of the first octet: broadcast and multicast.
  bool is_group() const { return (bytes[0] & 0x01) != 0; }
  bool is_zero() const { return *this == zero(); }

  static std::optional<MacAddress> parse(std::string_view text);  // "aa:bb:cc:dd:ee:ff"
  std::string to_string() const;
  bool operator==(const MacAddress&) const = default;
};

// Host byte order inside; converted at the wire by byte_order.h.
struct Ipv4Address {
  uint32_t value = 0;

  static constexpr Ipv4Address from_octets(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
    return {(uint32_t{a} << 24) | (uint32_t{b} << 16) | (uint32_t{c} << 8) | uint32_t{d}};
  }
  static std::optional<Ipv4Address> parse(std::string_view text);  // dotted quad
  std::string to_string() const;
  // Dotted quad into `out` without allocating (request paths); returns the length (7 to 15).
  size_t format(char (&out)[16]) const;
  bool is_zero() const { return value == 0; }
  auto operator<=>(const Ipv4Address&) const = default;
};

// An interface address with its on-link prefix, e.g. 198.18.0.1/24.
struct Ipv4Prefix {
  Ipv4Address address;
  uint8_t length = 32;

  static std::optional<Ipv4Prefix> parse(std::string_view text);  // "a.b.c.d/len"
  uint32_t mask() const { return length == 0 ? 0 : ~uint32_t{0} << (32 - length); }
  bool contains(Ipv4Address a) const { return (a.value & mask()) == (address.value & mask()); }
  Ipv4Address broadcast() const { return {address.value | ~mask()}; }
  std::string to_string() const;
  bool operator==(const Ipv4Prefix&) const = default;
};

struct Ipv6Address {
  std::array<uint8_t, 16> bytes{};
  bool operator==(const Ipv6Address&) const = default;
};

}  // namespace tollgate::net
