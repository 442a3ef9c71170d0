#include "engine/http/response_parser.h"

#include <algorithm>

#include "engine/http/chars.h"
#include "engine/http/field_section.h"
#include "engine/http/head_cursor.h"
#include "engine/http/start_line.h"

namespace tollgate::http {
namespace {

// status-line = HTTP-version SP status-code SP [ reason-phrase ] CRLF. The SP before an empty reason is
// also accepted when missing: common in backends, and harmless since the reason is never interpreted.
ParseResult parse_status_line(HeadCursor& c, ResponseHead& head) {
  bool supported = false;
  if (const ParseResult r = take_version(c, head.version_minor, supported);
      r.status != ParseStatus::kComplete)
    return r;
  if (c.at_end()) return kIncomplete;
  if (c.peek() != ' ') return fail(ParseError::kBadVersion);
  if (!supported) return fail(ParseError::kUnsupportedVersion);
  ++c.pos;

  uint16_t status = 0;
  for (int i = 0; i < 3; ++i, ++c.pos) {
    if (c.at_end()) return kIncomplete;
    const uint8_t ch = c.peek();
    if (ch < '0' || ch > '9' || (i == 0 && (ch < '1' || ch > '5'))) return fail(ParseError::kBadStatusLine);
    status = static_cast<uint16_t>(status * 10 + (ch - '0'));
  }
  head.status = status;
  if (c.at_end()) return kIncomplete;
  if (c.peek() == ' ') {
    ++c.pos;
    const size_t reason_begin = c.pos;
    c.skip_while([](uint8_t ch) { return is(kFieldVchar, ch); });
    head.reason = c.view(reason_begin, c.pos);
    if (c.at_end()) return kIncomplete;
  }
  if (c.peek() != '\r' && c.peek() != '\n') return fail(ParseError::kBadStatusLine);
  return take_crlf(c);
}

ParseResult derive(const FieldFacts& f, const ParseLimits& limits, Method request_method,
                   ResponseHead& head) {
  BodyKind body = BodyKind::kNone;
  // Framing fields are validated even where they do not apply: we forward them, and the client must not
  // see a conflict we let through.
  if (const ParseResult r = body_framing(head.version_minor, f, limits, BodyKind::kUntilClose, body);
      r.status == ParseStatus::kError)
    return r;
  const uint16_t s = head.status;
  if (s == 101) {
    if (!f.has_upgrade) return fail(ParseError::kBadUpgrade);  // RFC 9110 §15.2.2: MUST send Upgrade
    body = BodyKind::kTunnel;
  } else if (request_method == Method::kConnect && s >= 200 && s < 300) {
    body = BodyKind::kTunnel;  // RFC 9112 §6.3 item 2
  } else if (request_method == Method::kHead || s < 200 || s == 204 || s == 304) {
    body = BodyKind::kNone;  // RFC 9112 §6.3 item 1
  }
  head.body = body;
  head.content_length = body == BodyKind::kContentLength ? f.content_length : 0;
  head.keep_alive =
      body != BodyKind::kUntilClose && body != BodyKind::kTunnel && keep_alive_for(head.version_minor, f);
  return kComplete;
}

}  // namespace

ParseResult parse_response(std::span<const uint8_t> bytes, const ParseLimits& limits, HeaderStore& store,
                           Method request_method, ResponseHead& head) {
  head = ResponseHead{};
  HeadCursor c{bytes.data(), std::min(bytes.size(), limits.max_head_bytes)};
  ParseResult r = parse_status_line(c, head);
  if (r.status == ParseStatus::kComplete) {
    FieldFacts facts;
    r = parse_fields(c, limits, store, facts);
    if (r.status == ParseStatus::kComplete) {
      head.headers = std::span<const HeaderField>(store.fields.data(), facts.count);
      head.head_bytes = c.pos;
      return derive(facts, limits, request_method, head);
    }
  }
  return limit_incomplete(r, bytes.size(), limits.max_head_bytes);
}

}  // namespace tollgate::http
