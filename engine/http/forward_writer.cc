#include "engine/http/forward_writer.h"

#include "engine/http/chars.h"
#include "engine/http/hop_by_hop.h"
#include "engine/http/out_buffer.h"

namespace tollgate::http {
namespace {

// Equal ignoring ASCII case, with '_' and '-' alike: CGI turns both into '_' (HTTP_X_FORWARDED_FOR), so
// servers built on it (PHP, WSGI, Rack) read X_Forwarded_For as X-Forwarded-For.
constexpr bool same_name(char a, char b) {
  return ascii_lower(a == '_' ? '-' : a) == ascii_lower(b == '_' ? '-' : b);
}
constexpr bool name_starts_like(std::string_view name, std::string_view prefix) {
  if (name.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i)
    if (!same_name(name[i], prefix[i])) return false;
  return true;
}
constexpr bool name_like(std::string_view name, std::string_view dashed) {
  return name.size() == dashed.size() && name_starts_like(name, dashed);
}

// Fields only this hop may set on a forwarded request: ours (Host, X-Forwarded-For/-Proto/-Port,
// X-Request-Id) and the others a target would take as a proxy's word about the client (Forwarded,
// X-Forwarded-Host and the rest of X-Forwarded-*, X-Real-IP).
bool is_ours(std::string_view name) {
  return iequals(name, "host") || iequals(name, "forwarded") || name_starts_like(name, "x-forwarded-") ||
         name_like(name, "x-real-ip") || name_like(name, "x-request-id");
}

// origin-form and absolute-form (RFC 9112 §3.2.2) both become the path, "/" when empty, and the query as
// received ('?' is in no authority, so the first one starts the query).
void put_origin_target(OutBuffer& b, const RequestHead& head) {
  const std::string_view t = head.target;
  if (head.method == Method::kConnect || t == "*") {
    b.put(t);
    return;
  }
  b.put(head.path.empty() ? "/" : head.path);
  if (const size_t q = t.find('?'); q != std::string_view::npos) b.put(t.substr(q));
}

// X-Forwarded-For (info.xff): the values of the client's fields of that exact name, in order, joined.
void put_xff(OutBuffer& b, const RequestHead& head, const ForwardInfo& info) {
  if (info.xff == XffMode::kRemove) return;
  b.put("X-Forwarded-For: ");
  bool any = false;
  for (const HeaderField& f : head.headers) {
    if (!iequals(f.name, "x-forwarded-for") || f.value.empty()) continue;
    b.put(any ? ", " : "").put(f.value);
    any = true;
  }
  if (info.xff == XffMode::kAppend || !any) b.put(any ? ", " : "").put(info.client_ip);
  b.put("\r\n");
}

// Forwards every field of `fields` except hop-by-hop ones (Upgrade kept when `keep_upgrade`) and those for
// which `skip` holds.
template <typename Skip>
void put_end_to_end(OutBuffer& b, std::span<const HeaderField> fields, bool keep_upgrade, Skip&& skip) {
  for (const HeaderField& f : fields) {
    if (skip(f.name)) continue;
    if (is_hop_by_hop(f.name, fields) && !(keep_upgrade && iequals(f.name, "upgrade"))) continue;
    b.field(f.name, f.value);
  }
}

}  // namespace

size_t write_forwarded_request(const RequestHead& head, const ForwardInfo& info, std::span<uint8_t> out) {
  if (!is_safe_field_value(info.client_ip) || !is_safe_field_value(info.request_id)) return 0;
  OutBuffer b(out);
  b.put(head.method_text).put(" ");
  put_origin_target(b, head);
  // An HTTP/1.0 client's request goes on as HTTP/1.0, asking for keep-alive: the target then cannot
  // answer with chunked framing (RFC 9112 §7.1), which such a client could not read; it frames by length
  // or by closing. Everything else goes as HTTP/1.1, where keep-alive is the default.
  const bool http10 = head.version_minor == 0;
  b.put(http10 ? " HTTP/1.0\r\n" : " HTTP/1.1\r\n").field("Host", head.host);
  if (http10 && !head.upgrade_websocket) b.field("Connection", "keep-alive");
  // An Expect that HTTP/1.0 told us to ignore (RFC 9110 §10.1.1) must not start to mean something at the
  // backend.
  const bool drop_expect = http10;
  put_end_to_end(b, head.headers, false, [drop_expect](std::string_view name) {
    return is_ours(name) || (drop_expect && iequals(name, "expect"));
  });
  if (head.upgrade_websocket) b.field("Upgrade", "websocket").field("Connection", "Upgrade");

  put_xff(b, head, info);
  b.field("X-Forwarded-Proto", info.tls ? "https" : "http");
  b.put("X-Forwarded-Port: ").put_uint(info.listener_port).put("\r\n");
  if (!info.request_id.empty()) b.field("X-Request-Id", info.request_id);
  return b.put("\r\n").finish();
}

size_t write_forwarded_response(const ResponseHead& head, const ResponseInfo& info, std::span<uint8_t> out) {
  if (!is_safe_field_value(info.hsts)) return 0;
  const bool upgrade = head.status == 101;
  OutBuffer b(out);
  b.put("HTTP/1.1 ").put_uint(head.status).put(" ").put(head.reason).put("\r\n");
  put_end_to_end(b, head.headers, upgrade, [](std::string_view) { return false; });
  if (upgrade) {
    b.field("Connection", "Upgrade");
  } else if (!head.interim()) {
    if (info.close || head.body == BodyKind::kUntilClose)
      b.field("Connection", "close");
    else if (info.client_http10)
      b.field("Connection", "keep-alive");
    if (!info.hsts.empty() && head.header("strict-transport-security").data() == nullptr)
      b.field("Strict-Transport-Security", info.hsts);
  }
  return b.put("\r\n").finish();
}

}  // namespace tollgate::http
