#include "engine/http/body_framer.h"

#include <algorithm>
#include <limits>

#include "engine/http/chars.h"

namespace tollgate::http {
namespace {

constexpr uint64_t kMaxChunkSize = (uint64_t{1} << 63) - 1;

// A stray LF is named as such wherever it appears in framing: it is the usual sign of a bare-LF peer.
constexpr ParseError unexpected(uint8_t c, ParseError e) {
  return c == '\n' ? ParseError::kBareLf : e;
}

}  // namespace

BodyFramer::BodyFramer(BodyKind kind, uint64_t content_length, const ParseLimits& limits)
    : max_body_bytes_(limits.max_body_bytes),
      max_chunk_line_bytes_(limits.max_chunk_line_bytes),
      max_trailer_bytes_(limits.max_trailer_bytes) {
  switch (kind) {
    case BodyKind::kNone:
      state_ = State::kDone;
      break;
    case BodyKind::kContentLength:
      remaining_ = content_length;
      state_ = content_length == 0 ? State::kDone : State::kCounted;
      if (content_length > max_body_bytes_) {
        state_ = State::kError;
        error_ = ParseError::kBodyTooLarge;
      }
      break;
    case BodyKind::kChunked:
      state_ = State::kSizeFirst;
      break;
    case BodyKind::kTunnel:
      max_body_bytes_ = std::numeric_limits<uint64_t>::max();
      state_ = State::kForever;
      break;
    case BodyKind::kUntilClose:
      state_ = State::kForever;
      break;
  }
}

FrameResult BodyFramer::advance(std::span<const uint8_t> bytes) {
  size_t i = 0;
  while (i < bytes.size() && state_ != State::kDone && state_ != State::kError) {
    const size_t left = bytes.size() - i;
    switch (state_) {
      case State::kCounted:
      case State::kData: {
        const size_t take = static_cast<size_t>(std::min<uint64_t>(remaining_, left));
        i += take;
        remaining_ -= take;
        data_bytes_ += take;
        if (remaining_ == 0) state_ = state_ == State::kCounted ? State::kDone : State::kDataCr;
        break;
      }
      case State::kForever: {
        // Up to the limit, then the error at the first byte beyond it, as chunked data does, so the
        // outcome does not depend on how the input was split.
        const size_t take = static_cast<size_t>(std::min<uint64_t>(max_body_bytes_ - data_bytes_, left));
        i += take;
        data_bytes_ += take;
        if (take < left) {
          error_ = ParseError::kBodyTooLarge;
          state_ = State::kError;
        }
        break;
      }
      default:
        if (const ParseError e = step(bytes[i]); e != ParseError::kNone) {
          error_ = e;
          state_ = State::kError;
          break;
        }
        ++i;
        break;
    }
  }
  wire_bytes_ += i;
  return FrameResult{i, state_ == State::kDone, error_};
}

ParseError BodyFramer::end_size_line() {
  if (remaining_ == 0) {
    // last-chunk: the trailer section follows (RFC 9112 §7.1.2), bounded by its own budget.
    line_bytes_ = 0;
    state_ = State::kTrailerStart;
    return ParseError::kNone;
  }
  if (remaining_ > max_body_bytes_ - data_bytes_) return ParseError::kBodyTooLarge;
  state_ = State::kData;
  return ParseError::kNone;
}

ParseError BodyFramer::step(uint8_t c) {
  const bool in_size_line = state_ >= State::kSize && state_ <= State::kExtAfterQuote;
  if (in_size_line && ++line_bytes_ > max_chunk_line_bytes_) return ParseError::kChunkLineTooLong;
  const bool in_trailer = state_ >= State::kTrailerStart;
  if (in_trailer && ++line_bytes_ > max_trailer_bytes_) return ParseError::kTrailerTooLarge;

  switch (state_) {
    case State::kSizeFirst:
      if (!is(kHexDigit, c)) return unexpected(c, ParseError::kBadChunkSize);
      remaining_ = hex_value(c);
      line_bytes_ = 1;
      state_ = State::kSize;
      return ParseError::kNone;
    case State::kSize:
      if (is(kHexDigit, c)) {
        if (remaining_ > (kMaxChunkSize - hex_value(c)) / 16) return ParseError::kBadChunkSize;
        remaining_ = remaining_ * 16 + hex_value(c);
        return ParseError::kNone;
      }
      if (c == '\r')
        state_ = State::kSizeLf;
      else if (c == ';')
        state_ = State::kExtNameStart;
      else if (is_ows(c))
        state_ = State::kExtBws;
      else
        return unexpected(c, ParseError::kBadChunkSize);
      return ParseError::kNone;
    case State::kExtBws:
      if (c == ';')
        state_ = State::kExtNameStart;
      else if (!is_ows(c))
        return unexpected(c, ParseError::kBadChunkExtension);
      return ParseError::kNone;
    case State::kExtNameStart:
      if (is(kTchar, c))
        state_ = State::kExtName;
      else if (!is_ows(c))
        return unexpected(c, ParseError::kBadChunkExtension);
      return ParseError::kNone;
    case State::kExtName:
    case State::kExtToken:
    case State::kExtAfterQuote:
      if (c == '\r')
        state_ = State::kSizeLf;
      else if (c == ';')
        state_ = State::kExtNameStart;
      else if (state_ == State::kExtName && c == '=')
        state_ = State::kExtValueStart;
      else if (is_ows(c))
        state_ = state_ == State::kExtName ? State::kExtNameBws : State::kExtBws;
      else if (!is(kTchar, c) || state_ == State::kExtAfterQuote)
        return unexpected(c, ParseError::kBadChunkExtension);
      return ParseError::kNone;
    case State::kExtNameBws:
      if (c == '=')
        state_ = State::kExtValueStart;
      else if (c == ';')
        state_ = State::kExtNameStart;
      else if (!is_ows(c))
        return unexpected(c, ParseError::kBadChunkExtension);
      return ParseError::kNone;
    case State::kExtValueStart:
      if (c == '"')
        state_ = State::kExtQuoted;
      else if (is(kTchar, c))
        state_ = State::kExtToken;
      else if (!is_ows(c))
        return unexpected(c, ParseError::kBadChunkExtension);
      return ParseError::kNone;
    case State::kExtQuoted:
      // qdtext is a field-vchar other than '"' and '\' (RFC 9110 §5.6.4).
      if (c == '"')
        state_ = State::kExtAfterQuote;
      else if (c == '\\')
        state_ = State::kExtQuotedPair;
      else if (!is(kFieldVchar, c))
        return unexpected(c, ParseError::kBadChunkExtension);
      return ParseError::kNone;
    case State::kExtQuotedPair:
      if (!is(kFieldVchar, c)) return unexpected(c, ParseError::kBadChunkExtension);
      state_ = State::kExtQuoted;
      return ParseError::kNone;
    case State::kSizeLf:
      return c == '\n' ? end_size_line() : ParseError::kBareCr;
    case State::kDataCr:
      // RFC 9112 §7.1: chunk-data is followed by CRLF; anything else means the size lied.
      if (c != '\r') return ParseError::kBadChunkEnd;
      state_ = State::kDataLf;
      return ParseError::kNone;
    case State::kDataLf:
      if (c != '\n') return ParseError::kBadChunkEnd;
      state_ = State::kSizeFirst;
      return ParseError::kNone;
    case State::kTrailerStart:
      // Trailer fields follow the header rules (RFC 9112 §7.1.2, §5): no obs-fold, no space before ':'.
      if (c == '\r')
        state_ = State::kFinalLf;
      else if (is(kTchar, c))
        state_ = State::kTrailerName;
      else
        return unexpected(c, is_ows(c) ? ParseError::kObsFold : ParseError::kBadFieldName);
      return ParseError::kNone;
    case State::kTrailerName:
      if (c == ':')
        state_ = State::kTrailerValue;
      else if (!is(kTchar, c))
        return unexpected(c, is_ows(c) ? ParseError::kWhitespaceBeforeColon : ParseError::kBadFieldName);
      return ParseError::kNone;
    case State::kTrailerValue:
      if (c == '\r')
        state_ = State::kTrailerLf;
      else if (!is(kFieldVchar, c))
        return unexpected(c, ParseError::kBadFieldValue);
      return ParseError::kNone;
    case State::kTrailerLf:
      if (c != '\n') return ParseError::kBareCr;
      state_ = State::kTrailerStart;
      return ParseError::kNone;
    case State::kFinalLf:
      if (c != '\n') return ParseError::kBareCr;
      state_ = State::kDone;
      return ParseError::kNone;
    default:
      return ParseError::kNone;  // not reached: advance() handles the other states
  }
}

}  // namespace tollgate::http
