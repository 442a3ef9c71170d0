#include "engine/http/request_parser.h"

#include <algorithm>

#include "engine/http/chars.h"
#include "engine/http/field_section.h"
#include "engine/http/head_cursor.h"
#include "engine/http/request_target.h"
#include "engine/http/start_line.h"

namespace tollgate::http {
namespace {

// request-line = method SP request-target SP HTTP-version CRLF (RFC 9112 §3), exactly one SP each.
ParseResult parse_request_line(HeadCursor& c, RequestHead& head) {
  // RFC 9112 §2.2: empty lines before the request line (left over after a body) are ignored.
  while (!c.at_end() && c.peek() == '\r') {
    if (const ParseResult r = take_crlf(c); r.status != ParseStatus::kComplete) return r;
  }

  const size_t method_begin = c.pos;
  c.skip_while([](uint8_t ch) { return is(kTchar, ch); });
  if (c.at_end()) return kIncomplete;
  if (c.peek() != ' ') return fail(ParseError::kBadMethod);
  if (c.pos == method_begin) return fail(ParseError::kBadRequestLine);
  head.method_text = c.view(method_begin, c.pos);
  head.method = method_from_text(head.method_text);
  ++c.pos;

  const size_t target_begin = c.pos;
  c.skip_while(is_target_char);
  if (c.at_end()) return kIncomplete;
  if (c.peek() != ' ') {
    // CR or LF here is an HTTP/0.9 request line; anything else is a character no target may hold.
    return fail(c.peek() == '\r' || c.peek() == '\n' ? ParseError::kBadRequestLine : ParseError::kBadTarget);
  }
  if (c.pos == target_begin) return fail(ParseError::kBadRequestLine);
  head.target = c.view(target_begin, c.pos);
  ++c.pos;

  bool supported = false;
  if (const ParseResult r = take_version(c, head.version_minor, supported);
      r.status != ParseStatus::kComplete)
    return r;
  if (!c.at_end() && c.peek() != '\r' && c.peek() != '\n') return fail(ParseError::kBadVersion);
  if (const ParseResult r = take_crlf(c); r.status != ParseStatus::kComplete) return r;
  if (!supported) return fail(ParseError::kUnsupportedVersion);
  return kComplete;
}

// Everything the request line and fields imply together (RFC 9112 §3.2, §6.3, §9.3; RFC 9110 §7.8, §10.1.1).
ParseResult derive(const FieldFacts& f, const TargetParts& parts, const ParseLimits& limits,
                   RequestHead& head) {
  const bool http11 = head.version_minor == 1;
  if (http11 && f.host_count == 0) return fail(ParseError::kMissingHost);
  // The target's authority wins over Host (RFC 9112 §3.2.2); Host must still be present and valid.
  head.host = parts.authority.data() != nullptr ? parts.authority : f.host;

  if (const ParseResult r = body_framing(head.version_minor, f, limits, BodyKind::kNone, head.body);
      r.status == ParseStatus::kError)
    return r;
  head.content_length = head.body == BodyKind::kContentLength ? f.content_length : 0;
  if (head.method == Method::kConnect) {
    // CONNECT content has no defined semantics (RFC 9110 §9.3.6); the bytes after the head are the tunnel.
    if (head.body == BodyKind::kChunked || head.content_length != 0) return fail(ParseError::kBadUpgrade);
    head.body = BodyKind::kTunnel;
  }

  head.keep_alive = keep_alive_for(head.version_minor, f);
  if (http11 && f.has_expect) {
    if (!f.expect_continue_only) return fail(ParseError::kUnsupportedExpectation);
    head.expect_continue = true;
  }
  // Upgrade in an HTTP/1.0 request is ignored (RFC 9110 §7.8); WebSocket needs GET (RFC 6455 §4.1).
  head.upgrade_websocket =
      http11 && head.method == Method::kGet && f.upgrade_websocket && f.connection_upgrade;
  return kComplete;
}

}  // namespace

Method method_from_text(std::string_view t) {
  switch (t.size()) {
    case 3:
      return t == "GET" ? Method::kGet : t == "PUT" ? Method::kPut : Method::kOther;
    case 4:
      return t == "HEAD" ? Method::kHead : t == "POST" ? Method::kPost : Method::kOther;
    case 5:
      return t == "TRACE" ? Method::kTrace : t == "PATCH" ? Method::kPatch : Method::kOther;
    case 6:
      return t == "DELETE" ? Method::kDelete : Method::kOther;
    case 7:
      return t == "CONNECT" ? Method::kConnect : t == "OPTIONS" ? Method::kOptions : Method::kOther;
    default:
      return Method::kOther;
  }
}

ParseResult parse_request(std::span<const uint8_t> bytes, const ParseLimits& limits, HeaderStore& store,
                          RequestHead& head) {
  head = RequestHead{};
  HeadCursor c{bytes.data(), std::min(bytes.size(), limits.max_head_bytes)};
  ParseResult r = parse_request_line(c, head);
  if (r.status != ParseStatus::kComplete) return limit_incomplete(r, bytes.size(), limits.max_head_bytes);

  TargetParts parts;
  if (const ParseError e = parse_target(head.target, head.method, parts); e != ParseError::kNone)
    return fail(e);
  head.path = parts.path;
  head.query = parts.query;

  FieldFacts facts;
  r = parse_fields(c, limits, store, facts);
  if (r.status != ParseStatus::kComplete) return limit_incomplete(r, bytes.size(), limits.max_head_bytes);
  head.headers = std::span<const HeaderField>(store.fields.data(), facts.count);
  head.head_bytes = c.pos;
  return derive(facts, parts, limits, head);
}

}  // namespace tollgate::http
