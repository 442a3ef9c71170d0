#include "engine/net/addresses.h"

#include <charconv>
#include <cstdio>

namespace tollgate::net {
namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<MacAddress> MacAddress::parse(std::string_view text) {
  if (text.size() != 17) return std::nullopt;
  MacAddress mac;
  for (size_t i = 0; i < 6; ++i) {
    const size_t at = i * 3;
    const int hi = hex_digit(text[at]);
    const int lo = hex_digit(text[at + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    if (i < 5 && text[at + 2] != ':') return std::nullopt;
    mac.bytes[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return mac;
}

std::string MacAddress::to_string() const {
  char buf[18];
  std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", bytes[0], bytes[1], bytes[2], bytes[3],
                bytes[4], bytes[5]);
  return buf;
}

std::optional<Ipv4Address> Ipv4Address::parse(std::string_view text) {
  uint32_t value = 0;
  const char* p = text.data();
  const char* end = text.data() + text.size();
  for (int octet = 0; octet < 4; ++octet) {
    if (octet > 0) {
      if (p == end || *p != '.') return std::nullopt;
      ++p;
    }
    // Leading zeros are refused: "010" means octal to some tools and decimal to others.
    if (p != end && *p == '0' && p + 1 != end && p[1] >= '0' && p[1] <= '9') return std::nullopt;
    unsigned part = 0;
    auto [next, ec] = std::from_chars(p, end, part);
    if (ec != std::errc{} || next == p || part > 255) return std::nullopt;
    value = value << 8 | part;
    p = next;
  }
  if (p != end) return std::nullopt;
  return Ipv4Address{value};
}

std::string Ipv4Address::to_string() const {
  char buf[16];
  return std::string(buf, format(buf));
}

size_t Ipv4Address::format(char (&out)[16]) const {
  size_t n = 0;
  for (int shift = 24; shift >= 0; shift -= 8) {
    const unsigned octet = (value >> shift) & 0xff;
    if (octet >= 100) out[n++] = static_cast<char>('0' + octet / 100);
    if (octet >= 10) out[n++] = static_cast<char>('0' + octet / 10 % 10);
    out[n++] = static_cast<char>('0' + octet % 10);
    if (shift > 0) out[n++] = '.';
  }
  return n;
}

std::optional<Ipv4Prefix> Ipv4Prefix::parse(std::string_view text) {
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto address = Ipv4Address::parse(text.substr(0, slash));
  if (!address) return std::nullopt;
  const std::string_view len_text = text.substr(slash + 1);
  unsigned len = 0;
  auto [next, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), len);
  if (ec != std::errc{} || next != len_text.data() + len_text.size() || len_text.empty() || len > 32) {
    return std::nullopt;
  }
  return Ipv4Prefix{*address, static_cast<uint8_t>(len)};
}

std::string Ipv4Prefix::to_string() const {
  return address.to_string() + "/" + std::to_string(length);
}

}  // namespace tollgate::net
