// Complete responses the proxy answers itself: errors, redirects, fixed bodies and 100 Continue. Each is
// written whole into a caller buffer (0 when it does not fit or an argument is unusable), no allocation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace tollgate::http {

// What every local answer may carry besides its status, fields and body.
struct ReplyFields {
  // The connection ends after this answer: "Connection: close".
  bool close = false;
  // An HTTP/1.0 client whose connection stays open must be told so, or it waits for the close that
  // delimits a 1.0 response (RFC 9112 §9.3): "Connection: keep-alive" when not `close`.
  bool keep_alive_http10 = false;
  // The answer to a HEAD request: the same fields (Content-Length included), no body (RFC 9110 §9.3.2).
  bool head = false;
  // Strict-Transport-Security value for answers on https listeners; nothing when empty.
  std::string_view hsts;
  // The Allow field of a 405: the methods the listener accepts.
  std::string_view allow;
  // Retry-After seconds for 429 and 503; nothing when 0.
  uint32_t retry_after_s = 0;
};

// 400, 403, 404, 405, 408, 413, 417, 429, 431, 500, 501, 502, 503, 504 or 505 with a text/plain body
// holding the reason phrase and a newline, and Content-Length. 0 for other codes, and for a 405 without
// `allow`.
size_t write_error_response(uint16_t status, std::span<uint8_t> out, const ReplyFields& fields = {});

// 301, 302, 303, 307 or 308 with Location and an empty body (Content-Length: 0). 0 for other codes or a
// location that is empty or holds a CTL (which would split the response).
size_t write_redirect(uint16_t status, std::string_view location, std::span<uint8_t> out,
                      const ReplyFields& fields = {});

// A final status (200-599; an empty reason phrase for codes without a standard one), with Content-Type and
// Content-Length. 204 and 304 carry neither (their body must be empty); 1xx is refused. 0 when not possible.
size_t write_fixed_response(uint16_t status, std::string_view content_type, std::string_view body,
                            std::span<uint8_t> out, const ReplyFields& fields = {});

// "HTTP/1.1 100 Continue" and the blank line, for a request with Expect: 100-continue.
size_t write_continue(std::span<uint8_t> out);

}  // namespace tollgate::http
