// Response heads (RFC 9112 §4) from a backend, framed by what the request was (RFC 9112 §6.3).
#pragma once

#include <span>

#include "engine/http/message_types.h"
#include "engine/http/parse_error.h"

namespace tollgate::http {

// Parses the response head at the start of `bytes`, answering a request made with `request_method`.
// Same contract as parse_request. Framing: responses to HEAD, 1xx, 204 and 304 have no body; 101 (which
// must carry Upgrade) and 2xx to CONNECT are kTunnel; otherwise chunked, Content-Length, or kUntilClose.
// Interim responses (head.interim()) are complete heads of their own: forward them and parse the next.
// The same Transfer-Encoding and Content-Length rules as for requests apply: a backend that sends what we
// would refuse from a client is refused too (answer 502), rather than read until close.
ParseResult parse_response(std::span<const uint8_t> bytes, const ParseLimits& limits, HeaderStore& store,
                           Method request_method, ResponseHead& head);

}  // namespace tollgate::http
