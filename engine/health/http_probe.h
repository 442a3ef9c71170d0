// The HTTP(S) probe on the wire, for the dataplane that sends it: the request's bytes, and reading the
// status from the first bytes of the answer. The probe judges the status line only (as AWS does); with
// "Connection: close" the target ends the exchange, so the rest of the response is not read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "engine/health/success_codes.h"
#include "engine/health/types.h"
#include "engine/net/addresses.h"

namespace tollgate::health {

// Room for a request with the longest path validate_settings allows.
inline constexpr size_t kMaxProbeRequestSize = 1200;

// Writes "GET <path> HTTP/1.1" with Host (the target's address and port), "User-Agent: tollgate-health"
// and "Connection: close" into `out`. Returns the request's length, or 0 when it does not fit. Allocates
// nothing; `path` is taken as validated (starts with '/', visible ASCII).
size_t write_probe_request(std::string_view path, net::Ipv4Address address, uint16_t port,
                           std::span<char> out);

enum class StatusLineState : uint8_t {
  kIncomplete,  // more bytes may still make a status line
  kComplete,    // status_code is set
  kMalformed,   // not "HTTP/1.x NNN" followed by SP or CR: the probe fails as kBadResponse
};

struct StatusLine {
  StatusLineState state = StatusLineState::kIncomplete;
  uint16_t status_code = 0;
};

// The status of the response beginning `bytes` (RFC 9112 §4: HTTP-version SP 3DIGIT SP ...). Only HTTP/1.0
// and HTTP/1.1 are accepted, with a status in 100-599. An interim 1xx status is reported as it is.
StatusLine read_status_line(std::span<const uint8_t> bytes);

// kSuccess for a status in `codes`, kStatusMismatch otherwise.
inline ProbeOutcome classify_status(uint16_t status_code, const SuccessCodes& codes) {
  return codes.matches(status_code) ? ProbeOutcome::kSuccess : ProbeOutcome::kStatusMismatch;
}

}  // namespace tollgate::health
