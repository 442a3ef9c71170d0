// ASCII case folding for protocol tokens (hosts, header names, schemes): never locale-dependent.
#pragma once

#include <algorithm>
#include <string_view>

namespace tollgate::routing {

constexpr char ascii_lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

constexpr bool equals_caseless(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return ascii_lower(x) == ascii_lower(y); });
}

}  // namespace tollgate::routing
