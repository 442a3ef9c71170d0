#include "engine/routing/glob.h"

#include <cstddef>

#include "engine/routing/ascii.h"

namespace tollgate::routing {

bool glob_match_caseless(std::string_view pattern, std::string_view text) {
  // Greedy with one backtrack point: only the most recent '*' ever needs to absorb more characters, since
  // any earlier star could have taken them as well. This keeps the match linear in practice.
  size_t p = 0, t = 0;
  size_t star = std::string_view::npos, star_text = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      star_text = t;
    } else if (p < pattern.size() && (pattern[p] == '?' || ascii_lower(pattern[p]) == ascii_lower(text[t]))) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++star_text;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace tollgate::routing
