#include "engine/proxy/access_log_format.h"

#include <charconv>
#include <ctime>

namespace tollgate::proxy {
namespace {

void append_uint(uint64_t v, std::string& out) {
  char buf[20];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

// `v` in exactly `width` digits, zero-padded (v < 10^width).
void append_padded(uint64_t v, int width, std::string& out) {
  char buf[20];
  for (int i = width - 1; i >= 0; --i) {
    buf[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  out.append(buf, static_cast<size_t>(width));
}

void append_hex16(uint16_t v, std::string& out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  const char text[] = {'"',          '0', 'x', kHex[v >> 12], kHex[(v >> 8) & 15], kHex[(v >> 4) & 15],
                       kHex[v & 15], '"'};
  out.append(text, sizeof text);
}

// A TLS code point: null when 0 (plaintext), its name when it has one, else "0x...." so nothing is lost.
void append_code(uint16_t code, std::string_view name, std::string& out) {
  if (code == 0) {
    out += "null";
  } else if (!name.empty()) {
    out += '"';
    out += name;  // our own constant: nothing to escape
    out += '"';
  } else {
    append_hex16(code, out);
  }
}

// "2024-05-01T12:34:56.123456Z". gmtime_r is enough here: this is the writer thread, not a worker.
void append_time(uint64_t unix_us, std::string& out) {
  const auto seconds = static_cast<std::time_t>(unix_us / 1000000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  out += '"';
  append_padded(static_cast<uint64_t>(tm.tm_year + 1900), 4, out);
  out += '-';
  append_padded(static_cast<uint64_t>(tm.tm_mon + 1), 2, out);
  out += '-';
  append_padded(static_cast<uint64_t>(tm.tm_mday), 2, out);
  out += 'T';
  append_padded(static_cast<uint64_t>(tm.tm_hour), 2, out);
  out += ':';
  append_padded(static_cast<uint64_t>(tm.tm_min), 2, out);
  out += ':';
  append_padded(static_cast<uint64_t>(tm.tm_sec), 2, out);
  out += '.';
  append_padded(unix_us % 1000000, 6, out);
  out += "Z\"";
}

// "198.18.0.10:51234", quoted. Addresses are in host byte order.
void append_endpoint(uint32_t ip, uint16_t port, std::string& out) {
  out += '"';
  for (int shift = 24; shift >= 0; shift -= 8) {
    append_uint((ip >> shift) & 0xff, out);
    out += shift ? '.' : ':';
  }
  append_uint(port, out);
  out += '"';
}

// Microseconds as milliseconds with three decimals ("12.345"), or -1 when the stage did not happen.
void append_ms(uint32_t us, std::string& out) {
  if (us == kNotApplicable) {
    out += "-1";
    return;
  }
  append_uint(us / 1000, out);
  out += '.';
  append_padded(us % 1000, 3, out);
}

void append_name_or_null(const std::vector<std::string>& names, int64_t index, std::string& out) {
  if (index < 0 || static_cast<uint64_t>(index) >= names.size()) {
    out += "null";
    return;
  }
  append_json_string(names[static_cast<size_t>(index)], out);
}

void append_text_or_null(std::string_view text, std::string& out) {
  if (text.empty()) {
    out += "null";
  } else {
    append_json_string(text, out);
  }
}

void append_status_or_null(uint16_t status, std::string& out) {
  if (status == 0) {
    out += "null";
  } else {
    append_uint(status, out);
  }
}

// Length of the well-formed UTF-8 sequence starting at p[0] (RFC 3629 §4: no overlong forms, no
// surrogates, nothing above U+10FFFF), or 0 when these bytes are not one.
size_t utf8_sequence(const unsigned char* p, size_t left) {
  const unsigned char c = p[0];
  size_t n;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;  // overlong
    if (c == 0xED) hi = 0x9F;  // UTF-16 surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;  // overlong
    if (c == 0xF4) hi = 0x8F;  // above U+10FFFF
  } else {
    return 0;
  }
  if (left < n || p[1] < lo || p[1] > hi) return 0;
  for (size_t i = 2; i < n; ++i) {
    if ((p[i] & 0xC0) != 0x80) return 0;
  }
  return n;
}

void append_escaped_byte(unsigned char c, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  const char text[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
  out.append(text, sizeof text);
}

}  // namespace

void append_json_string(std::string_view text, std::string& out) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const size_t size = text.size();
  out += '"';
  size_t run = 0;  // start of the pending run of bytes that need no escaping
  size_t i = 0;
  while (i < size) {
    const unsigned char c = p[i];
    if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {
      ++i;
      continue;
    }
    if (c >= 0x80) {
      if (const size_t n = utf8_sequence(p + i, size - i)) {
        i += n;
        continue;
      }
    }
    out.append(text.data() + run, i - run);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else {
      append_escaped_byte(c, out);  // control, DEL, or a byte outside any valid UTF-8 sequence
    }
    run = ++i;
  }
  out.append(text.data() + run, size - run);
  out += '"';
}

std::string_view tls_protocol_name(uint16_t version) {
  switch (version) {
    case 0x0301:
      return "TLSv1";
    case 0x0302:
      return "TLSv1.1";
    case kTlsVersion12:
      return "TLSv1.2";
    case kTlsVersion13:
      return "TLSv1.3";
    default:
      return {};
  }
}

std::string_view tls_cipher_name(uint16_t cipher) {
  switch (cipher) {
    // TLS 1.3 (RFC 8446 §B.4): OpenSSL uses the IANA names.
    case 0x1301:
      return "TLS_AES_128_GCM_SHA256";
    case 0x1302:
      return "TLS_AES_256_GCM_SHA384";
    case 0x1303:
      return "TLS_CHACHA20_POLY1305_SHA256";
    // TLS 1.2 ECDHE AEAD suites (RFC 5289, RFC 7905), OpenSSL's names as ALB logs them.
    case 0xC02B:
      return "ECDHE-ECDSA-AES128-GCM-SHA256";
    case 0xC02C:
      return "ECDHE-ECDSA-AES256-GCM-SHA384";
    case 0xC02F:
      return "ECDHE-RSA-AES128-GCM-SHA256";
    case 0xC030:
      return "ECDHE-RSA-AES256-GCM-SHA384";
    case 0xCCA8:
      return "ECDHE-RSA-CHACHA20-POLY1305";
    case 0xCCA9:
      return "ECDHE-ECDSA-CHACHA20-POLY1305";
    default:
      return {};
  }
}

void format_access_line(const AccessRecord& r, const AccessLogNames& names, std::string& out) {
  out += "{\"time\":";
  append_time(r.time_unix_us, out);
  out += ",\"client\":";
  append_endpoint(r.client_ip, r.client_port, out);
  out += ",\"listener\":";
  append_name_or_null(names.listeners, r.listener, out);
  out += ",\"rule_priority\":";
  append_uint(r.rule_priority, out);
  out += ",\"pool\":";
  append_name_or_null(names.pools, r.pool, out);
  out += ",\"target\":";
  if (r.target_ip == 0 && r.target_port == 0) {
    out += "null";
  } else {
    append_endpoint(r.target_ip, r.target_port, out);
  }
  out += ",\"request_processing_ms\":";
  append_ms(r.request_processing_us, out);
  out += ",\"target_processing_ms\":";
  append_ms(r.target_processing_us, out);
  out += ",\"response_processing_ms\":";
  append_ms(r.response_processing_us, out);
  out += ",\"status\":";
  append_status_or_null(r.status, out);
  out += ",\"target_status\":";
  append_status_or_null(r.target_status, out);
  out += ",\"bytes_in\":";
  append_uint(r.bytes_in, out);
  out += ",\"bytes_out\":";
  append_uint(r.bytes_out, out);
  out += ",\"request\":";
  append_json_string(r.request_line.view(), out);
  out += ",\"user_agent\":";
  append_text_or_null(r.user_agent.view(), out);
  out += ",\"tls_protocol\":";
  append_code(r.tls_version, tls_protocol_name(r.tls_version), out);
  out += ",\"tls_cipher\":";
  append_code(r.cipher, tls_cipher_name(r.cipher), out);
  out += ",\"sni\":";
  append_text_or_null(r.sni.view(), out);
  out += ",\"request_id\":";
  append_text_or_null(r.request_id.view(), out);
  out += "}\n";
}

}  // namespace tollgate::proxy
