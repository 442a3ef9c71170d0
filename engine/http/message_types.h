// HTTP/1.1 message vocabulary (RFC 9110, RFC 9112): methods, fields, body framing, limits and the parsed
// request and response heads. Types only. Every string_view points into the caller's bytes, which must
// outlive the head; nothing here owns memory.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace tollgate::http {

// Methods of RFC 9110 §9 and RFC 5789; others are kOther with their text in method_text.
enum class Method : uint8_t { kGet, kHead, kPost, kPut, kDelete, kConnect, kOptions, kTrace, kPatch, kOther };

// One field line, name and value as received (value without surrounding OWS).
struct HeaderField {
  std::string_view name;
  std::string_view value;
};

// Where the fields of one head are stored: fixed capacity, owned by the caller (one per connection), so
// parsing never allocates. ParseLimits::max_headers above kCapacity is capped to kCapacity.
struct HeaderStore {
  static constexpr size_t kCapacity = 128;
  std::array<HeaderField, kCapacity> fields;
};

// How the message body is delimited (RFC 9112 §6.3).
enum class BodyKind : uint8_t {
  kNone,           // no body: the message ends with its head
  kContentLength,  // exactly content_length bytes
  kChunked,        // Transfer-Encoding: chunked
  kUntilClose,     // responses only: everything until the server closes
  kTunnel,         // 101 Switching Protocols, CONNECT: bytes after the head are no longer HTTP
};

struct ParseLimits {
  size_t max_head_bytes = 16384;         // start line + fields + blank line (431 above)
  size_t max_headers = 100;              // field lines per head (431 above), at most HeaderStore::kCapacity
  uint64_t max_body_bytes = 1ull << 30;  // body data, excluding chunk framing (413 above)
  size_t max_chunk_line_bytes = 1024;    // one chunk-size line with its extensions and CR (LF excluded)
  size_t max_trailer_bytes = 8192;       // trailer section, final CRLF included
};

struct RequestHead {
  Method method = Method::kOther;
  std::string_view method_text;
  std::string_view target;  // as received
  // Origin-form path (or the path of an absolute-form target; empty there when the target has none, which
  // forwards as "/"). "*" for asterisk-form; empty for authority-form (CONNECT). After
  // normalize_request_path (path_normalize.h), the normal form in the caller's buffer.
  std::string_view path;
  // normalize_request_path changed the path's spelling.
  bool path_normalized = false;
  std::string_view query;     // after '?', without it; empty when absent
  uint8_t version_minor = 1;  // HTTP/1.0 or HTTP/1.1
  // The Host field's value, or the authority of an absolute-form target (RFC 9112 §3.2.2), or the
  // authority-form target of CONNECT. Empty for an HTTP/1.0 request without either.
  std::string_view host;
  BodyKind body = BodyKind::kNone;
  uint64_t content_length = 0;     // kContentLength only
  bool keep_alive = false;         // HTTP/1.1 unless "Connection: close"; HTTP/1.0 only with "keep-alive"
  bool expect_continue = false;    // "Expect: 100-continue" on HTTP/1.1 (ignored on 1.0, RFC 9110 §10.1.1)
  bool upgrade_websocket = false;  // HTTP/1.1 GET with "Upgrade: websocket" and "Connection: upgrade"
  std::span<const HeaderField> headers;  // in order, into the HeaderStore
  size_t head_bytes = 0;                 // up to and including the blank line (and leading empty lines)

  // The first value of the field `name` (ASCII case-insensitive), or empty.
  std::string_view header(std::string_view name) const;
};

struct ResponseHead {
  uint16_t status = 0;
  std::string_view reason;
  uint8_t version_minor = 1;
  BodyKind body = BodyKind::kNone;
  uint64_t content_length = 0;  // kContentLength only
  bool keep_alive = false;      // false for kUntilClose, "Connection: close", and HTTP/1.0 by default
  std::span<const HeaderField> headers;
  size_t head_bytes = 0;

  // 1xx other than 101: forward it and keep waiting for the final response (RFC 9110 §15.2).
  bool interim() const { return status >= 100 && status < 200 && status != 101; }
  std::string_view header(std::string_view name) const;
};

}  // namespace tollgate::http
