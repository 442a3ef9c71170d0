#include "engine/health/http_probe.h"

#include <charconv>
#include <cstring>

#include "engine/http/head_cursor.h"
#include "engine/http/start_line.h"

namespace tollgate::health {

size_t write_probe_request(std::string_view path, net::Ipv4Address address, uint16_t port,
                           std::span<char> out) {
  char host[16];
  const size_t host_length = address.format(host);
  char port_text[6];
  const auto port_end = std::to_chars(port_text, port_text + sizeof(port_text), port).ptr;
  const std::string_view pieces[] = {"GET ",
                                     path,
                                     " HTTP/1.1\r\nHost: ",
                                     {host, host_length},
                                     ":",
                                     {port_text, static_cast<size_t>(port_end - port_text)},
                                     "\r\nUser-Agent: tollgate-health\r\nConnection: close\r\n\r\n"};
  size_t length = 0;
  for (const std::string_view piece : pieces) {
    if (piece.size() > out.size() - length) return 0;
    std::memcpy(out.data() + length, piece.data(), piece.size());
    length += piece.size();
  }
  return length;
}

StatusLine read_status_line(std::span<const uint8_t> bytes) {
  http::HeadCursor c{bytes.data(), bytes.size()};
  uint8_t minor = 0;
  bool supported = false;
  const http::ParseResult version = http::take_version(c, minor, supported);
  if (version.status == http::ParseStatus::kError ||
      (version.status == http::ParseStatus::kComplete && !supported))
    return {StatusLineState::kMalformed, 0};
  if (version.status == http::ParseStatus::kIncomplete) return {};
  // SP 3DIGIT, then the SP before the reason phrase (or, leniently, the CR of a line without one).
  constexpr size_t kRest = 5;
  for (size_t i = 0; i < kRest && c.pos + i < c.size; ++i) {
    const uint8_t ch = c.data[c.pos + i];
    const bool ok = i == 0 ? ch == ' ' : i < 4 ? (ch >= '0' && ch <= '9') : (ch == ' ' || ch == '\r');
    if (!ok) return {StatusLineState::kMalformed, 0};
  }
  if (c.size - c.pos < kRest) return {};
  const uint8_t* d = c.data + c.pos + 1;
  const auto status = static_cast<uint16_t>((d[0] - '0') * 100 + (d[1] - '0') * 10 + (d[2] - '0'));
  // RFC 9110 §15: codes outside 100-599 are invalid.
  if (status < SuccessCodes::kLowest || status > SuccessCodes::kHighest)
    return {StatusLineState::kMalformed, 0};
  return {StatusLineState::kComplete, status};
}

}  // namespace tollgate::health
