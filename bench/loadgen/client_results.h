// What the client counted in its measured window. Types only; report.h prints them.
#pragma once

#include <array>
#include <cstdint>

#include "bench/loadgen/latency_histogram.h"

namespace tollgate::loadgen {

struct ClientResults {
  uint64_t connections_opened = 0;  // TCP established (plain) or TLS handshake done (HTTPS)
  uint64_t handshakes = 0;          // TLS handshakes completed (HTTPS only)
  uint64_t requests_sent = 0;
  uint64_t responses = 0;                    // complete responses (head and body)
  uint64_t bytes_sent = 0;                   // request bytes (plaintext)
  uint64_t bytes_received = 0;               // response bytes, head and body (plaintext)
  std::array<uint64_t, 6> status_classes{};  // [0] other, [1] 1xx .. [5] 5xx
  uint64_t status_200 = 0;
  // Errors.
  uint64_t connect_failures = 0;     // refused, reset or timed out before established / handshake done
  uint64_t resets = 0;               // connection gone with a request outstanding
  uint64_t timeouts = 0;             // no (complete) response within --timeout
  uint64_t bad_responses = 0;        // not HTTP/1.1 we can frame
  uint64_t no_resources = 0;         // our side: no connection slot, buffer or TLS session
  uint64_t closed_by_server = 0;     // keep-alive connection closed by the server between requests
  double seconds = 0;                // the measured window
  LatencyHistogram latency;          // request sent (or scheduled, when paced) → response complete
  LatencyHistogram connect_latency;  // connect() → established (HTTPS: handshake done)
  uint64_t errors() const { return connect_failures + resets + timeouts + bad_responses; }
};

}  // namespace tollgate::loadgen
