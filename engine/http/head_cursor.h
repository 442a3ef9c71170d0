// A read position over the contiguous bytes of one head, shared by the request, response and field-line
// parsers. Running out of bytes is never an error here: the parsers report kIncomplete, and only bytes
// that are present decide a rejection, so a prefix of a valid head is never refused.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "engine/http/parse_error.h"

namespace tollgate::http {

struct HeadCursor {
  const uint8_t* data;
  size_t size;
  size_t pos = 0;

  bool at_end() const { return pos >= size; }
  uint8_t peek() const { return data[pos]; }
  std::string_view view(size_t begin, size_t end) const {
    return {reinterpret_cast<const char*>(data) + begin, end - begin};
  }
  // Advances past the bytes for which `pred` holds; stops at the end or the first other byte.
  template <typename Pred>
  void skip_while(Pred&& pred) {
    while (pos < size && pred(data[pos])) ++pos;
  }
};

inline constexpr ParseResult kIncomplete{ParseStatus::kIncomplete, ParseError::kNone};
inline constexpr ParseResult kComplete{ParseStatus::kComplete, ParseError::kNone};
constexpr ParseResult fail(ParseError e) {
  return {ParseStatus::kError, e};
}

// Consumes the CRLF at the cursor (RFC 9112 §2.2: a bare CR or LF is refused, never taken as a line end).
inline ParseResult take_crlf(HeadCursor& c) {
  if (c.at_end()) return kIncomplete;
  if (c.peek() == '\n') return fail(ParseError::kBareLf);
  if (c.peek() != '\r') return fail(ParseError::kBadRequestLine);
  if (c.pos + 1 >= c.size) return kIncomplete;
  if (c.data[c.pos + 1] != '\n') return fail(ParseError::kBareCr);
  c.pos += 2;
  return kComplete;
}

// What a parse of a head returns when it stopped: running out of bytes once max_head_bytes are present
// means the head can never fit (431).
inline ParseResult limit_incomplete(ParseResult r, size_t available, size_t max_head_bytes) {
  if (r.status == ParseStatus::kIncomplete && available >= max_head_bytes)
    return fail(ParseError::kHeadTooLarge);
  return r;
}

}  // namespace tollgate::http
