// Request heads (RFC 9112 §3): request line, fields, and what they imply for framing and the connection.
// One pass over contiguous bytes, views into them, fields into the caller's HeaderStore; no allocation.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "engine/http/message_types.h"
#include "engine/http/parse_error.h"

namespace tollgate::http {

// Parses the request head at the start of `bytes`. kIncomplete: every byte so far is valid, call again
// with more (the same head, from its first byte: nothing is kept between calls). kComplete: `head` is
// filled and the body (head.body) starts at bytes[head.head_bytes]. kError: answer status_for(error) and
// close. Leading empty lines (CRLF) before the request line are skipped (RFC 9112 §2.2) and counted in
// head_bytes. A head not complete within limits.max_head_bytes is kHeadTooLarge.
ParseResult parse_request(std::span<const uint8_t> bytes, const ParseLimits& limits, HeaderStore& store,
                          RequestHead& head);

// The Method for a method token (case-sensitive, RFC 9110 §9.1).
Method method_from_text(std::string_view text);

}  // namespace tollgate::http
