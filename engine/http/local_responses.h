// Complete responses the proxy answers itself: errors, redirects, fixed bodies and 100 Continue. Each is
// written whole into a caller buffer (0 when it does not fit or an argument is unusable), no allocation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace tollgate::http {

// 400, 403, 404, 408, 413, 417, 431, 500, 501, 502, 503, 504 or 505 with a text/plain body holding the
// reason phrase and a newline, and Content-Length; "Connection: close" when `close`. 0 for other codes.
size_t write_error_response(uint16_t status, std::span<uint8_t> out, bool close);

// 301, 302, 303, 307 or 308 with Location and an empty body (Content-Length: 0). 0 for other codes or a
// location that is empty or holds a CTL (which would split the response).
// "Connection: close" when `close` (the connection ends after it, as after every local answer to a
// request whose body was not read).
size_t write_redirect(uint16_t status, std::string_view location, std::span<uint8_t> out, bool close = false);

// A final status (200-599; an empty reason phrase for codes without a standard one), with Content-Type and
// Content-Length. 204 and 304 carry neither (their body must be empty); 1xx is refused. 0 when not possible.
size_t write_fixed_response(uint16_t status, std::string_view content_type, std::string_view body,
                            std::span<uint8_t> out, bool close = false);

// "HTTP/1.1 100 Continue" and the blank line, for a request with Expect: 100-continue.
size_t write_continue(std::span<uint8_t> out);

}  // namespace tollgate::http
