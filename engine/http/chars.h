// Character classes of RFC 9110 §5.6 and RFC 3986, as constexpr tables so each test is one load, and the
// ASCII case-insensitive comparisons field names and tokens need. No locale: HTTP is ASCII.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace tollgate::http {

enum CharClass : uint8_t {
  kTchar = 1 << 0,       // token: ALPHA DIGIT ! # $ % & ' * + - . ^ _ ` | ~
  kFieldVchar = 1 << 1,  // VCHAR / obs-text, plus SP and HTAB: what a field value may hold
  kTargetChar = 1 << 2,  // unreserved / sub-delims / gen-delims except '#' (and '%', checked apart)
  kHostChar = 1 << 3,    // reg-name / IP-literal characters and ':' for the port
  kHexDigit = 1 << 4,
};

namespace detail {
constexpr std::array<uint8_t, 256> make_char_classes() {
  std::array<uint8_t, 256> t{};
  constexpr std::string_view kTokenPunct = "!#$%&'*+-.^_`|~";
  constexpr std::string_view kTargetPunct = "-._~!$&'()*+,;=:@/?[]";
  constexpr std::string_view kHostPunct = "-._~!$&'()*+,;=:[]%";
  for (int c = 0; c < 256; ++c) {
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    const bool digit = c >= '0' && c <= '9';
    uint8_t v = 0;
    if (alpha || digit || kTokenPunct.find(static_cast<char>(c)) != std::string_view::npos) v |= kTchar;
    if ((c >= 0x21 && c != 0x7f) || c == ' ' || c == '\t') v |= kFieldVchar;
    if (alpha || digit || kTargetPunct.find(static_cast<char>(c)) != std::string_view::npos) v |= kTargetChar;
    if (alpha || digit || kHostPunct.find(static_cast<char>(c)) != std::string_view::npos) v |= kHostChar;
    if (digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')) v |= kHexDigit;
    t[static_cast<size_t>(c)] = v;
  }
  return t;
}
inline constexpr std::array<uint8_t, 256> kCharClasses = make_char_classes();
}  // namespace detail

constexpr bool is(CharClass cls, uint8_t c) {
  return (detail::kCharClasses[c] & cls) != 0;
}
constexpr bool is_ows(uint8_t c) {
  return c == ' ' || c == '\t';
}
constexpr uint8_t hex_value(uint8_t c) {
  return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
constexpr char ascii_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c | 0x20) : c;
}

constexpr bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

// Calls f(element) for each non-empty element of a #list (RFC 9110 §5.6.1): comma separated, OWS
// trimmed. Stops early when f returns true; returns whether it did.
template <typename F>
constexpr bool any_list_element(std::string_view list, F&& f) {
  size_t i = 0;
  while (i <= list.size()) {
    size_t end = list.find(',', i);
    if (end == std::string_view::npos) end = list.size();
    std::string_view e = list.substr(i, end - i);
    while (!e.empty() && is_ows(static_cast<uint8_t>(e.front()))) e.remove_prefix(1);
    while (!e.empty() && is_ows(static_cast<uint8_t>(e.back()))) e.remove_suffix(1);
    if (!e.empty() && f(e)) return true;
    i = end + 1;
  }
  return false;
}

// Whether the #list `list` holds the token `token` (case-insensitive).
constexpr bool list_has(std::string_view list, std::string_view token) {
  return any_list_element(list, [token](std::string_view e) { return iequals(e, token); });
}

}  // namespace tollgate::http
