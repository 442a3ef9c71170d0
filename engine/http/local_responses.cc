#include "engine/http/local_responses.h"

#include "engine/http/hop_by_hop.h"
#include "engine/http/out_buffer.h"
#include "engine/http/status.h"

namespace tollgate::http {
namespace {

OutBuffer& put_status_line(OutBuffer& b, uint16_t status) {
  return b.put("HTTP/1.1 ").put_uint(status).put(" ").put(reason_phrase(status)).put("\r\n");
}

OutBuffer& put_content_length(OutBuffer& b, uint64_t n) {
  return b.put("Content-Length: ").put_uint(n).put("\r\n");
}

// The fields every local answer may end with, then the blank line and (unless HEAD) the body.
size_t finish_reply(OutBuffer& b, const ReplyFields& f, std::string_view body) {
  if (!f.hsts.empty()) b.field("Strict-Transport-Security", f.hsts);
  if (f.retry_after_s) b.put("Retry-After: ").put_uint(f.retry_after_s).put("\r\n");
  if (f.close) {
    b.field("Connection", "close");
  } else if (f.keep_alive_http10) {
    b.field("Connection", "keep-alive");
  }
  b.put("\r\n");
  if (!f.head) b.put(body);
  return b.finish();
}

}  // namespace

size_t write_error_response(uint16_t status, std::span<uint8_t> out, const ReplyFields& fields) {
  switch (status) {
    case 400:
    case 403:
    case 404:
    case 408:
    case 413:
    case 417:
    case 429:
    case 431:
    case 500:
    case 501:
    case 502:
    case 503:
    case 504:
    case 505:
      break;
    case 405:  // RFC 9110 §15.5.6: a 405 must say what is allowed
      if (fields.allow.empty() || !is_safe_field_value(fields.allow)) return 0;
      break;
    default:
      return 0;
  }
  if (!is_safe_field_value(fields.hsts)) return 0;
  const std::string_view reason = reason_phrase(status);
  OutBuffer b(out);
  put_status_line(b, status).field("Content-Type", "text/plain; charset=utf-8");
  put_content_length(b, reason.size() + 1);
  if (status == 405) b.field("Allow", fields.allow);
  // The phrase and its newline: the body, in two pieces so that a HEAD answer can leave both out.
  const size_t n = finish_reply(b, fields, reason);
  if (n == 0 || fields.head) return n;
  return b.put("\n").finish();
}

size_t write_redirect(uint16_t status, std::string_view location, std::span<uint8_t> out,
                      const ReplyFields& fields) {
  const bool redirect = status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
  if (!redirect || location.empty() || !is_safe_field_value(location) || !is_safe_field_value(fields.hsts))
    return 0;
  OutBuffer b(out);
  put_status_line(b, status).field("Location", location);
  put_content_length(b, 0);
  return finish_reply(b, fields, {});
}

size_t write_fixed_response(uint16_t status, std::string_view content_type, std::string_view body,
                            std::span<uint8_t> out, const ReplyFields& fields) {
  const bool no_content = status == 204 || status == 304;  // RFC 9110 §15.3.5, §15.4.5
  // Any final status an operator configures; one we have no phrase for goes out with an empty reason
  // (RFC 9112 §4 allows it: clients must ignore the reason phrase).
  if (status < 200 || status > 599 || !is_safe_field_value(content_type) || !is_safe_field_value(fields.hsts))
    return 0;
  if (no_content && !body.empty()) return 0;
  OutBuffer b(out);
  put_status_line(b, status);
  if (!no_content) {
    if (!content_type.empty()) b.field("Content-Type", content_type);
    put_content_length(b, body.size());
  }
  return finish_reply(b, fields, body);
}

size_t write_continue(std::span<uint8_t> out) {
  return OutBuffer(out).put("HTTP/1.1 100 Continue\r\n\r\n").finish();
}

}  // namespace tollgate::http
