// Reason phrases for the status codes we send (RFC 9110 §15).
#pragma once

#include <cstdint>
#include <string_view>

namespace tollgate::http {

// The RFC 9110 reason phrase, or empty for a code we do not know.
std::string_view reason_phrase(uint16_t status);

}  // namespace tollgate::http
