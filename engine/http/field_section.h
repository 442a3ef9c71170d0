// The field section shared by request and response heads (RFC 9112 §5): field lines validated and stored
// as views, and the framing and connection facts the heads are derived from, gathered in the same pass.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "engine/http/head_cursor.h"
#include "engine/http/message_types.h"

namespace tollgate::http {

// What the fields said about framing and the connection. Contradictions that are errors whatever the
// message (repeated Content-Length, a bad Host) are refused while parsing; those that depend on the start
// line (Transfer-Encoding on HTTP/1.0, Host missing) are left to the request and response parsers.
struct FieldFacts {
  size_t count = 0;
  std::string_view host;
  uint8_t host_count = 0;
  bool has_content_length = false;
  uint64_t content_length = 0;
  bool has_transfer_encoding = false;
  // Why Transfer-Encoding is not exactly one final "chunked" (kNone when it is, or is absent).
  ParseError transfer_encoding_error = ParseError::kNone;
  bool connection_close = false;
  bool connection_keep_alive = false;
  bool connection_upgrade = false;
  bool has_upgrade = false;
  bool upgrade_websocket = false;  // an Upgrade field lists "websocket"
  bool has_expect = false;
  bool expect_continue_only = true;  // every Expect field is exactly "100-continue"
};

// Parses field lines from the cursor up to and including the blank line that ends the section.
// kComplete leaves the cursor after that blank line, with store.fields[0, facts.count) filled.
ParseResult parse_fields(HeadCursor& c, const ParseLimits& limits, HeaderStore& store, FieldFacts& facts);

// Keep-alive by version default and Connection options (RFC 9112 §9.3).
constexpr bool keep_alive_for(uint8_t version_minor, const FieldFacts& f) {
  if (f.connection_close) return false;
  return version_minor >= 1 || f.connection_keep_alive;
}

// The framing decided by Transfer-Encoding and Content-Length (RFC 9112 §6.1, §6.3 items 3-6), refusing
// every combination that lets two parsers disagree. Without either, `otherwise` (kNone for requests,
// kUntilClose for responses).
ParseResult body_framing(uint8_t version_minor, const FieldFacts& f, const ParseLimits& limits,
                         BodyKind otherwise, BodyKind& body);

// The first value of field `name` among `fields`, or empty.
std::string_view find_field(std::span<const HeaderField> fields, std::string_view name);

}  // namespace tollgate::http
