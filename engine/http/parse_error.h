// Why an HTTP/1.1 message is refused, and what the parsers return. Types and their names only; each error
// maps to the status a server answers with (a proxy answers a broken backend response with 502 instead).
#pragma once

#include <cstdint>
#include <string_view>

namespace tollgate::http {

enum class ParseError : uint8_t {
  kNone,
  // Start line (RFC 9112 §3, §4).
  kBadRequestLine,      // not method SP request-target SP HTTP-version CRLF
  kBadMethod,           // a method character outside tchar
  kBadTarget,           // a request-target character or form that RFC 9112 §3.2 does not allow
  kBadVersion,          // not "HTTP/" DIGIT "." DIGIT
  kUnsupportedVersion,  // well formed but not HTTP/1.0 or HTTP/1.1 (505)
  kBadStatusLine,       // not HTTP-version SP 3DIGIT SP reason CRLF
  // Line endings and field lines (RFC 9112 §2.2, §5).
  kBareCr,                 // CR not followed by LF
  kBareLf,                 // LF without CR
  kBadFieldName,           // empty, or a character outside tchar
  kWhitespaceBeforeColon,  // "Name : value" (RFC 9112 §5.1 MUST reject)
  kObsFold,                // a field line starting with SP or HTAB (RFC 9112 §5.2)
  kBadFieldValue,          // NUL or another CTL in a value
  kTooManyHeaders,         // more fields than ParseLimits::max_headers (431)
  kHeadTooLarge,           // header section longer than ParseLimits::max_head_bytes (431)
  // Field semantics.
  kMissingHost,                // HTTP/1.1 request without Host (RFC 9112 §3.2)
  kDuplicateHost,              // more than one Host field
  kBadHost,                    // Host is not uri-host [":" port]
  kBadContentLength,           // not 1*DIGIT, or above 2^63 - 1
  kDuplicateContentLength,     // Content-Length twice, or a list: refused even when the values agree
  kContentLengthWithChunked,   // Transfer-Encoding and Content-Length together (RFC 9112 §6.1)
  kBadTransferEncoding,        // Transfer-Encoding other than exactly one final "chunked", or on HTTP/1.0
  kUnsupportedTransferCoding,  // a coding we do not implement before the final chunked (501)
  kUnsupportedExpectation,     // Expect other than 100-continue (417)
  kBadUpgrade,                 // 101 without Upgrade, or CONNECT content
  // Body (RFC 9112 §6, §7).
  kBodyTooLarge,       // Content-Length or chunk data above ParseLimits::max_body_bytes (413)
  kBadChunkSize,       // not 1*HEXDIG, a sign or space, or above 2^63 - 1
  kBadChunkExtension,  // chunk-ext not per grammar
  kChunkLineTooLong,   // chunk-size line longer than ParseLimits::max_chunk_line_bytes
  kBadChunkEnd,        // chunk data not followed by CRLF
  kTrailerTooLarge,    // trailer section longer than ParseLimits::max_trailer_bytes (431)
};

enum class ParseStatus : uint8_t {
  kIncomplete,  // every byte so far is valid; more are needed
  kComplete,    // the head is complete (head_bytes long)
  kError,       // the message is refused (`error`); nothing further on this connection can be trusted
};

struct ParseResult {
  ParseStatus status = ParseStatus::kIncomplete;
  ParseError error = ParseError::kNone;
};

// Stable snake_case names, for logs and counters.
std::string_view to_string(ParseError e);
// The status a server answers a request refused for `e` with: 400, 413, 417, 431, 501 or 505 (0 for kNone).
uint16_t status_for(ParseError e);

}  // namespace tollgate::http
