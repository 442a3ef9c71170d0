// Finds where a message body ends in a byte stream (RFC 9112 §6, §7.1), for request and response bodies
// alike, without copying or decoding: the caller forwards exactly the bytes advance() says belong to the
// body, chunk framing and trailers included, verbatim. The chunked decoder is a byte-level state machine
// (data runs are skipped whole), so it gives the same answer however the input is split.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "engine/http/message_types.h"
#include "engine/http/parse_error.h"

namespace tollgate::http {

struct FrameResult {
  size_t consumed = 0;  // leading bytes of the input that belong to this body (all of them until it ends)
  bool done = false;    // the body ended with the last consumed byte; what follows is the next message
  ParseError error = ParseError::kNone;  // the body is malformed at input[consumed]: close the connection
};

class BodyFramer {
 public:
  // A framer for a body without content: done at once.
  BodyFramer() = default;
  // kContentLength counts `content_length` bytes; kChunked decodes framing; kUntilClose and kTunnel take
  // everything and never end (the connection's close does). Body data beyond limits.max_body_bytes is
  // kBodyTooLarge (not applied to kTunnel, which is not a body).
  BodyFramer(BodyKind kind, uint64_t content_length, const ParseLimits& limits);
  static BodyFramer for_request(const RequestHead& h, const ParseLimits& limits) {
    return BodyFramer(h.body, h.content_length, limits);
  }
  static BodyFramer for_response(const ResponseHead& h, const ParseLimits& limits) {
    return BodyFramer(h.body, h.content_length, limits);
  }

  // The next bytes after the head (or after what the last call consumed). After done or an error, every
  // call consumes nothing and repeats the outcome.
  FrameResult advance(std::span<const uint8_t> bytes);

  bool done() const { return state_ == State::kDone; }
  ParseError error() const { return error_; }
  uint64_t data_bytes() const { return data_bytes_; }  // body content so far, chunk framing excluded
  uint64_t wire_bytes() const { return wire_bytes_; }  // bytes consumed so far, framing included

 private:
  // Declaration order matters: step() tests ranges (the size-line states, the trailer states).
  // RFC 9112 §7.1: chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF, then last-chunk, trailer-section
  // and CRLF. chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS ( token / quoted-string ) ] ).
  enum class State : uint8_t {
    kDone,
    kError,
    kCounted,        // Content-Length: `remaining_` bytes to go
    kForever,        // until close or tunnel
    kSizeFirst,      // first HEXDIG of chunk-size
    kSize,           // further HEXDIG, or what ends the size
    kExtBws,         // BWS before ';'
    kExtNameStart,   // BWS after ';', then the name's first tchar
    kExtName,        // name tchars
    kExtNameBws,     // BWS after the name: '=' or ';' next
    kExtValueStart,  // BWS after '=', then a token or '"'
    kExtToken,       // token value
    kExtQuoted,      // inside quoted-string
    kExtQuotedPair,  // after '\' in quoted-string
    kExtAfterQuote,  // after the closing '"'
    kSizeLf,         // LF ending the chunk-size line
    kData,           // chunk-data: `remaining_` bytes
    kDataCr,         // CR after chunk-data
    kDataLf,         // LF after chunk-data
    kTrailerStart,   // a trailer field's first byte, or CR of the final CRLF
    kTrailerName,
    kTrailerValue,
    kTrailerLf,  // LF ending a trailer field line
    kFinalLf,    // LF of the final CRLF
  };

  // One byte of chunk framing (any state but kData, kCounted, kForever, kDone, kError).
  ParseError step(uint8_t c);
  ParseError end_size_line();

  State state_ = State::kDone;
  ParseError error_ = ParseError::kNone;
  uint64_t remaining_ = 0;  // kCounted, kData: bytes left; kSize..: the chunk size being read
  uint64_t data_bytes_ = 0;
  uint64_t wire_bytes_ = 0;
  size_t line_bytes_ = 0;  // of the current chunk-size line, or of the trailer section
  uint64_t max_body_bytes_ = 0;
  size_t max_chunk_line_bytes_ = 0;
  size_t max_trailer_bytes_ = 0;
};

}  // namespace tollgate::http
