// The normal form of a request path, so that rules match what the target will resolve rather than the
// spelling a client chose: `/%61pi/x`, `/./api/x`, `//api/x` and `/foo/../api/x` are all `/api/x`. In a
// single pass into a caller's buffer: no recursion, no allocation, work linear in the path's length.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

#include "engine/http/message_types.h"
#include "engine/http/parse_error.h"

namespace tollgate::http {

// Writes the normal form of `path` (an origin-form path: it starts with '/', no query) into `out`:
// - percent-encoded unreserved characters (ALPHA DIGIT - . _ ~) are decoded, the others (%2F, %20, ...)
//   stay encoded with upper-case hex (RFC 3986 §2.3, §6.2.2.1-2);
// - "." and ".." segments are removed, ".." never climbing above the root (RFC 3986 §5.2.4), after the
//   decoding, so "%2e%2e" is a ".." segment as the target will see it;
// - runs of '/' are merged into one (empty segments are what Envoy's merge_slashes removes).
// A trailing '/' is kept. The result is never longer than `path`, so out.size() >= path.size() always
// suffices. Returns the length written; 0 if a '%' is not followed by two hex digits, or if `out` is too
// small.
size_t normalize_path(std::string_view path, std::span<char> out);

// Normalises head.path (origin-form and absolute-form paths; "*" and CONNECT's empty path are left alone)
// into `buffer`, which must outlive the head's use; head.path then views the buffer and
// head.path_normalized tells whether it differs from the path received. kBadTarget on an invalid
// percent-encoding, kHeadTooLarge when `buffer` is smaller than the path.
ParseError normalize_request_path(RequestHead& head, std::span<char> buffer);

}  // namespace tollgate::http
