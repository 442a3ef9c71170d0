#include "engine/http/start_line.h"

#include <string_view>

namespace tollgate::http {

ParseResult take_version(HeadCursor& c, uint8_t& minor, bool& supported) {
  // Byte by byte against the pattern, so that a prefix such as "HTT" is incomplete, not an error.
  constexpr std::string_view kPattern = "HTTP/d.d";
  uint8_t major = 0;
  for (const char want : kPattern) {
    if (c.at_end()) return kIncomplete;
    const uint8_t ch = c.peek();
    if (want == 'd') {
      if (ch < '0' || ch > '9') return fail(ParseError::kBadVersion);
      major = minor;
      minor = static_cast<uint8_t>(ch - '0');
    } else if (ch != static_cast<uint8_t>(want)) {
      return fail(ParseError::kBadVersion);
    }
    ++c.pos;
  }
  supported = major == 1 && minor <= 1;
  return kComplete;
}

}  // namespace tollgate::http
