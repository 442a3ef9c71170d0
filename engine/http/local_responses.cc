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

}  // namespace

size_t write_error_response(uint16_t status, std::span<uint8_t> out, bool close) {
  switch (status) {
    case 400:
    case 403:
    case 404:
    case 408:
    case 413:
    case 417:
    case 431:
    case 500:
    case 501:
    case 502:
    case 503:
    case 504:
    case 505:
      break;
    default:
      return 0;
  }
  const std::string_view reason = reason_phrase(status);
  OutBuffer b(out);
  put_status_line(b, status).field("Content-Type", "text/plain; charset=utf-8");
  put_content_length(b, reason.size() + 1);
  if (close) b.field("Connection", "close");
  return b.put("\r\n").put(reason).put("\n").finish();
}

size_t write_redirect(uint16_t status, std::string_view location, std::span<uint8_t> out, bool close) {
  const bool redirect = status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
  if (!redirect || location.empty() || !is_safe_field_value(location)) return 0;
  OutBuffer b(out);
  put_status_line(b, status).field("Location", location);
  put_content_length(b, 0);
  if (close) b.field("Connection", "close");
  return b.put("\r\n").finish();
}

size_t write_fixed_response(uint16_t status, std::string_view content_type, std::string_view body,
                            std::span<uint8_t> out, bool close) {
  const bool no_content = status == 204 || status == 304;  // RFC 9110 §15.3.5, §15.4.5
  // Any final status an operator configures; one we have no phrase for goes out with an empty reason
  // (RFC 9112 §4 allows it: clients must ignore the reason phrase).
  if (status < 200 || status > 599 || !is_safe_field_value(content_type)) return 0;
  if (no_content && !body.empty()) return 0;
  OutBuffer b(out);
  put_status_line(b, status);
  if (!no_content) {
    if (!content_type.empty()) b.field("Content-Type", content_type);
    put_content_length(b, body.size());
  }
  if (close) b.field("Connection", "close");
  return b.put("\r\n").put(body).finish();
}

size_t write_continue(std::span<uint8_t> out) {
  return OutBuffer(out).put("HTTP/1.1 100 Continue\r\n\r\n").finish();
}

}  // namespace tollgate::http
