// Health checks with target-group semantics (as AWS Elastic Load Balancing defines them): what a pool's
// checks are configured with, what a target's health is, what a probe asks for and what it found, and how
// a change of health is reported. Types and their names only: the per-target state machine is in
// state_machine.h, scheduling in probe_scheduler.h, the HTTP probe's bytes in http_probe.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/health/success_codes.h"
#include "engine/net/addresses.h"

namespace tollgate::health {

enum class HealthProtocol : uint8_t {
  kHttp,   // GET path; passes on a status in the success codes
  kHttps,  // the same inside TLS (the target's certificate is not verified, as with AWS)
  kTcp,    // passes when the connection is established
};

constexpr const char* protocol_name(HealthProtocol p) {
  switch (p) {
    case HealthProtocol::kHttp:
      return "HTTP";
    case HealthProtocol::kHttps:
      return "HTTPS";
    case HealthProtocol::kTcp:
      break;
  }
  return "TCP";
}

std::optional<HealthProtocol> parse_health_protocol(std::string_view s);  // "HTTP", "HTTPS", "TCP", any case

// A pool's health check. Defaults are an AWS application target group's. validate_settings
// (settings_check.h) states the bounds.
struct HealthCheckSettings {
  HealthProtocol protocol = HealthProtocol::kHttp;
  uint16_t port = 0;                 // 0: each target's traffic port
  std::string path = "/";            // HTTP and HTTPS only
  uint32_t interval_ms = 30'000;     // between the starts of two probes of one target
  uint32_t timeout_ms = 5'000;       // no answer within this is a failure; below interval_ms
  uint32_t healthy_threshold = 5;    // consecutive successes that make a target healthy
  uint32_t unhealthy_threshold = 2;  // consecutive failures that make it unhealthy
  SuccessCodes success_codes;        // HTTP and HTTPS only; "200"
  bool operator==(const HealthCheckSettings&) const = default;
};

// What the probes have shown. Not what the dataplane is told: the control plane publishes a target's state
// (shm::HealthState) from this verdict and from the operator's drain, which the probes never undo.
enum class ProbedHealth : uint8_t {
  kInitial,    // no verdict yet (see StartPolicy for whether it takes traffic meanwhile)
  kHealthy,    // healthy_threshold consecutive successes (one from kInitial under kPresumedHealthy)
  kUnhealthy,  // unhealthy_threshold consecutive failures
};

// Whether a target in kInitial takes traffic before its first verdict.
enum class StartPolicy : uint8_t {
  // In rotation until probes say otherwise; one success confirms it (kHealthy), unhealthy_threshold
  // failures remove it. For the targets present when the control plane starts or restarts: the dataplane
  // already sends them traffic, and a restart must not take a pool out of service.
  kPresumedHealthy,
  // Out of rotation until healthy_threshold consecutive successes (AWS's behaviour for a newly
  // registered target). For a target added to a running pool by a reload.
  kProbation,
};

// One probe's result, as the dataplane observed it. Values are stable (counter indexes).
enum class ProbeOutcome : uint8_t {
  kSuccess,            // TCP: connected; HTTP(S): a status in the success codes
  kTimeout,            // no verdict within timeout_ms
  kConnectionRefused,  // RST in answer to our SYN
  kConnectionReset,    // RST after the connection was established
  kUnreachable,        // no route, or the neighbour never answered
  kTlsFailure,         // HTTPS: the handshake failed
  kBadResponse,        // HTTP(S): not an HTTP/1.x status line, or the connection closed before one
  kStatusMismatch,     // HTTP(S): a status outside the success codes
};

constexpr const char* outcome_name(ProbeOutcome o) {
  switch (o) {
    case ProbeOutcome::kSuccess:
      return "success";
    case ProbeOutcome::kTimeout:
      return "timeout";
    case ProbeOutcome::kConnectionRefused:
      return "connection_refused";
    case ProbeOutcome::kConnectionReset:
      return "connection_reset";
    case ProbeOutcome::kUnreachable:
      return "unreachable";
    case ProbeOutcome::kTlsFailure:
      return "tls_failure";
    case ProbeOutcome::kBadResponse:
      return "bad_response";
    case ProbeOutcome::kStatusMismatch:
      break;
  }
  return "status_mismatch";
}

constexpr const char* state_name(ProbedHealth s) {
  return s == ProbedHealth::kInitial ? "initial" : s == ProbedHealth::kHealthy ? "healthy" : "unhealthy";
}

// A change of a target's probed health, and the probe that decided it (with the HTTP status for
// kStatusMismatch and kSuccess over HTTP).
struct Transition {
  ProbedHealth from = ProbedHealth::kInitial;
  ProbedHealth to = ProbedHealth::kInitial;
  ProbeOutcome outcome = ProbeOutcome::kSuccess;
  uint16_t status_code = 0;  // HTTP status of the deciding probe; 0 for none
  uint32_t consecutive = 0;  // successes or failures in a row, the deciding one included
};

// A target as the health checks see it: where to probe it.
struct ProbeTarget {
  net::Ipv4Address address;
  uint16_t traffic_port = 0;
};

// A probe for the dataplane to send. `path` views the scheduler's settings: copy it before the scheduler
// is destroyed or moved.
struct ProbeRequest {
  uint64_t probe_id = 0;
  uint32_t target = 0;  // index in the scheduler's targets
  net::Ipv4Address address;
  uint16_t port = 0;  // the traffic port when the settings say 0
  HealthProtocol protocol = HealthProtocol::kHttp;
  std::string_view path;
};

// What the dataplane found, for the probe it was asked to send.
struct ProbeResult {
  uint64_t probe_id = 0;
  ProbeOutcome outcome = ProbeOutcome::kSuccess;
  uint16_t status_code = 0;  // HTTP(S): the response's status; 0 otherwise
  uint32_t latency_ms = 0;   // from sending the SYN to the verdict
};

}  // namespace tollgate::health
