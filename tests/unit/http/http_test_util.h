// Helpers for the HTTP tests: text as bytes, and parsing into a fixture that owns the HeaderStore the
// parsed head points into.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "engine/http/request_parser.h"
#include "engine/http/response_parser.h"

namespace tollgate::http {

inline std::span<const uint8_t> as_bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

inline std::string_view as_text(std::span<const uint8_t> b, size_t n) {
  return {reinterpret_cast<const char*>(b.data()), n};
}

// Input and the error it must be refused with.
struct ErrorCase {
  std::string_view text;
  ParseError error;
};

class HttpTest : public ::testing::Test {
 protected:
  ParseResult request(std::string_view text) { return parse_request(as_bytes(text), limits, store, req); }
  ParseResult response(std::string_view text, Method method = Method::kGet) {
    return parse_response(as_bytes(text), limits, store, method, resp);
  }
  // The error a complete-looking request is refused with (kNone if it was accepted, kIncomplete fails).
  ParseError request_error(std::string_view text) {
    const ParseResult r = request(text);
    EXPECT_NE(r.status, ParseStatus::kIncomplete) << text;
    return r.error;
  }
  ParseError response_error(std::string_view text, Method method = Method::kGet) {
    const ParseResult r = response(text, method);
    EXPECT_NE(r.status, ParseStatus::kIncomplete) << text;
    return r.error;
  }

  ParseLimits limits;
  HeaderStore store;
  RequestHead req;
  ResponseHead resp;
};

}  // namespace tollgate::http
