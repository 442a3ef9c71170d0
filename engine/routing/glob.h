// Glob matching of short strings outside Hyperscan: header values are checked only on the few candidate
// rules that survived the host and path scans, where a direct match costs less than a database scan.
#pragma once

#include <string_view>

namespace tollgate::routing {

// Whether `text` matches `pattern` as a whole, ASCII case-insensitively: '*' matches any run of characters
// (including none), '?' exactly one. No allocation; worst case O(pattern * text).
bool glob_match_caseless(std::string_view pattern, std::string_view text);

}  // namespace tollgate::routing
