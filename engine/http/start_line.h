// Pieces common to request and status lines: the HTTP-version token (RFC 9112 §2.3).
#pragma once

#include <cstdint>

#include "engine/http/head_cursor.h"

namespace tollgate::http {

// Consumes "HTTP/" DIGIT "." DIGIT at the cursor; kBadVersion when the bytes present cannot become one.
// Leaves the minor digit in `minor` and whether the version is 1.0 or 1.1 in `supported`.
ParseResult take_version(HeadCursor& c, uint8_t& minor, bool& supported);

}  // namespace tollgate::http
