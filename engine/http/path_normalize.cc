#include "engine/http/path_normalize.h"

#include <cstring>

#include "engine/http/chars.h"

namespace tollgate::http {
namespace {

// unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~" (RFC 3986 §2.3): the only characters whose encoded
// and plain spellings are equivalent, so the only ones decoding may change.
bool is_unreserved(uint8_t c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
         c == '_' || c == '~';
}

char upper_hex(uint8_t c) {
  return c >= 'a' && c <= 'f' ? static_cast<char>(c - 'a' + 'A') : static_cast<char>(c);
}

// The output so far holds "/seg/seg..." (each segment with its leading '/'); a ".." drops the last one,
// or nothing at the root. Each byte is scanned back over at most once, as it is removed: linear overall.
size_t drop_last_segment(const char* out, size_t len) {
  while (len > 0 && out[len - 1] != '/') --len;
  return len > 0 ? len - 1 : 0;
}

}  // namespace

size_t normalize_path(std::string_view path, std::span<char> out) {
  if (path.empty() || path.front() != '/' || out.size() < path.size()) return 0;
  char* o = out.data();
  size_t len = 0;
  size_t i = 0;  // path[i] is the '/' that starts the next segment
  while (i < path.size()) {
    const size_t mark = len;
    o[len++] = '/';
    size_t j = i + 1;
    for (; j < path.size() && path[j] != '/'; ++j) {
      const auto c = static_cast<uint8_t>(path[j]);
      if (c != '%') {
        o[len++] = static_cast<char>(c);
        continue;
      }
      if (j + 2 >= path.size()) return 0;
      const auto hi = static_cast<uint8_t>(path[j + 1]), lo = static_cast<uint8_t>(path[j + 2]);
      if (!is(kHexDigit, hi) || !is(kHexDigit, lo)) return 0;
      const auto decoded = static_cast<uint8_t>(hex_value(hi) << 4 | hex_value(lo));
      if (is_unreserved(decoded)) {
        o[len++] = static_cast<char>(decoded);
      } else {
        o[len++] = '%';
        o[len++] = upper_hex(hi);
        o[len++] = upper_hex(lo);
      }
      j += 2;
    }
    const bool last = j == path.size();
    const std::string_view segment(o + mark + 1, len - mark - 1);
    if (segment == "..") {
      len = drop_last_segment(o, mark);
      if (last) o[len++] = '/';
    } else if (segment == "." || (segment.empty() && !last)) {
      // "." is this directory; an empty segment before another is a doubled '/'. A final "." leaves the
      // directory's trailing '/', as a final ".." does (RFC 3986 §5.2.4 step 2B/2C).
      len = mark;
      if (last && segment == ".") o[len++] = '/';
    }
    i = j;
  }
  return len;
}

ParseError normalize_request_path(RequestHead& head, std::span<char> buffer) {
  head.path_normalized = false;
  if (head.path.empty() || head.path.front() != '/') return ParseError::kNone;
  if (buffer.size() < head.path.size()) return ParseError::kHeadTooLarge;
  const size_t n = normalize_path(head.path, buffer);
  if (n == 0) return ParseError::kBadTarget;
  const std::string_view normal(buffer.data(), n);
  head.path_normalized = normal != head.path;
  head.path = normal;
  return ParseError::kNone;
}

}  // namespace tollgate::http
