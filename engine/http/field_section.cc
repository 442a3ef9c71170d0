#include "engine/http/field_section.h"

#include <algorithm>

#include "engine/http/chars.h"
#include "engine/http/request_target.h"

namespace tollgate::http {
namespace {

enum class Known : uint8_t {
  kOther,
  kHost,
  kContentLength,
  kTransferEncoding,
  kConnection,
  kUpgrade,
  kExpect
};

// Dispatch on length first: most fields are none of these, and a length mismatch costs one compare.
Known classify(std::string_view name) {
  switch (name.size()) {
    case 4:
      return iequals(name, "host") ? Known::kHost : Known::kOther;
    case 6:
      return iequals(name, "expect") ? Known::kExpect : Known::kOther;
    case 7:
      return iequals(name, "upgrade") ? Known::kUpgrade : Known::kOther;
    case 10:
      return iequals(name, "connection") ? Known::kConnection : Known::kOther;
    case 14:
      return iequals(name, "content-length") ? Known::kContentLength : Known::kOther;
    case 17:
      return iequals(name, "transfer-encoding") ? Known::kTransferEncoding : Known::kOther;
    default:
      return Known::kOther;
  }
}

// Content-Length = 1*DIGIT (RFC 9110 §8.6). A list — even of equal values, which §8.6 lets a recipient
// accept — is refused: one spelling for every hop is the simplest defence against desync.
ParseError parse_content_length(std::string_view v, uint64_t& out) {
  if (v.find(',') != std::string_view::npos) return ParseError::kDuplicateContentLength;
  if (v.empty()) return ParseError::kBadContentLength;
  uint64_t n = 0;
  for (const char ch : v) {
    if (ch < '0' || ch > '9') return ParseError::kBadContentLength;
    if (n > ((uint64_t{1} << 63) - 1 - static_cast<uint64_t>(ch - '0')) / 10)
      return ParseError::kBadContentLength;
    n = n * 10 + static_cast<uint64_t>(ch - '0');
  }
  out = n;
  return ParseError::kNone;
}

// Only exactly "chunked" is accepted (RFC 9112 §6.1). Unknown codings before a final chunked would need
// decoding we do not do (501); anything whose final coding is not chunked cannot be framed (§6.3: 400).
ParseError check_transfer_encoding(std::string_view v) {
  if (iequals(v, "chunked")) return ParseError::kNone;
  std::string_view last;
  bool chunked_before_last = false;
  bool empty = true;
  any_list_element(v, [&](std::string_view e) {
    if (!empty && iequals(last, "chunked")) chunked_before_last = true;
    last = e;
    empty = false;
    return false;
  });
  if (!empty && iequals(last, "chunked") && !chunked_before_last)
    return ParseError::kUnsupportedTransferCoding;
  return ParseError::kBadTransferEncoding;
}

ParseError record(Known kind, std::string_view value, FieldFacts& f) {
  switch (kind) {
    case Known::kHost:
      if (++f.host_count > 1) return ParseError::kDuplicateHost;
      if (!valid_host(value)) return ParseError::kBadHost;
      f.host = value;
      break;
    case Known::kContentLength:
      if (f.has_content_length) return ParseError::kDuplicateContentLength;
      f.has_content_length = true;
      return parse_content_length(value, f.content_length);
    case Known::kTransferEncoding:
      // A second field line would apply a coding twice, or split one list over lines: refused either way.
      f.transfer_encoding_error =
          f.has_transfer_encoding ? ParseError::kBadTransferEncoding : check_transfer_encoding(value);
      f.has_transfer_encoding = true;
      break;
    case Known::kConnection:
      any_list_element(value, [&f](std::string_view e) {
        f.connection_close |= iequals(e, "close");
        f.connection_keep_alive |= iequals(e, "keep-alive");
        f.connection_upgrade |= iequals(e, "upgrade");
        return false;
      });
      break;
    case Known::kUpgrade:
      f.has_upgrade = true;
      f.upgrade_websocket |= list_has(value, "websocket");
      break;
    case Known::kExpect:
      f.has_expect = true;
      f.expect_continue_only &= iequals(value, "100-continue");
      break;
    case Known::kOther:
      break;
  }
  return ParseError::kNone;
}

}  // namespace

ParseResult parse_fields(HeadCursor& c, const ParseLimits& limits, HeaderStore& store, FieldFacts& facts) {
  const size_t max_fields = std::min(limits.max_headers, HeaderStore::kCapacity);
  for (;;) {
    if (c.at_end()) return kIncomplete;
    const uint8_t first = c.peek();
    if (first == '\r' || first == '\n') return take_crlf(c);  // the blank line ends the section
    // RFC 9112 §5.2: obs-fold is refused; so is whitespace before the first field (§2.2).
    if (is_ows(first)) return fail(ParseError::kObsFold);

    const size_t name_begin = c.pos;
    c.skip_while([](uint8_t ch) { return is(kTchar, ch); });
    if (c.at_end()) return kIncomplete;
    if (c.peek() != ':') {
      // RFC 9112 §5.1: no whitespace between name and colon — the classic "Transfer-Encoding :" trick.
      return fail(is_ows(c.peek()) && c.pos > name_begin ? ParseError::kWhitespaceBeforeColon
                                                         : ParseError::kBadFieldName);
    }
    if (c.pos == name_begin) return fail(ParseError::kBadFieldName);
    const std::string_view name = c.view(name_begin, c.pos);
    ++c.pos;

    c.skip_while(is_ows);
    const size_t value_begin = c.pos;
    c.skip_while([](uint8_t ch) { return is(kFieldVchar, ch); });
    if (c.at_end()) return kIncomplete;
    if (c.peek() != '\r' && c.peek() != '\n') return fail(ParseError::kBadFieldValue);
    size_t value_end = c.pos;
    while (value_end > value_begin && is_ows(c.data[value_end - 1])) --value_end;
    if (const ParseResult r = take_crlf(c); r.status != ParseStatus::kComplete) return r;

    if (facts.count == max_fields) return fail(ParseError::kTooManyHeaders);
    const HeaderField field{name, c.view(value_begin, value_end)};
    store.fields[facts.count++] = field;
    if (const ParseError e = record(classify(name), field.value, facts); e != ParseError::kNone)
      return fail(e);
  }
}

ParseResult body_framing(uint8_t version_minor, const FieldFacts& f, const ParseLimits& limits,
                         BodyKind otherwise, BodyKind& body) {
  if (f.has_transfer_encoding) {
    // RFC 9112 §6.1: TE with CL is a smuggling signature; a server MAY reject it, and a proxy should.
    if (f.has_content_length) return fail(ParseError::kContentLengthWithChunked);
    // HTTP/1.0 has no chunked coding: a 1.0 peer sending TE is either confused or probing (§6.1).
    if (version_minor == 0) return fail(ParseError::kBadTransferEncoding);
    if (f.transfer_encoding_error != ParseError::kNone) return fail(f.transfer_encoding_error);
    body = BodyKind::kChunked;
    return kComplete;
  }
  if (f.has_content_length) {
    if (f.content_length > limits.max_body_bytes) return fail(ParseError::kBodyTooLarge);
    body = BodyKind::kContentLength;
    return kComplete;
  }
  body = otherwise;
  return kComplete;
}

}  // namespace tollgate::http
