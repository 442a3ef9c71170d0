#include "engine/health/transition_text.h"

namespace tollgate::health {

std::string outcome_text(ProbeOutcome outcome, uint16_t status_code) {
  switch (outcome) {
    case ProbeOutcome::kSuccess:
      return status_code != 0 ? "status " + std::to_string(status_code) : "connected";
    case ProbeOutcome::kTimeout:
      return "timeout";
    case ProbeOutcome::kConnectionRefused:
      return "connection refused";
    case ProbeOutcome::kConnectionReset:
      return "connection reset";
    case ProbeOutcome::kUnreachable:
      return "unreachable";
    case ProbeOutcome::kTlsFailure:
      return "TLS handshake failed";
    case ProbeOutcome::kBadResponse:
      return "bad response";
    case ProbeOutcome::kStatusMismatch:
      break;
  }
  return "status " + std::to_string(status_code);
}

namespace {

std::string reason_text(const Transition& t) {
  const bool passed = t.outcome == ProbeOutcome::kSuccess;
  return outcome_text(t.outcome, t.status_code) + " (" + std::to_string(t.consecutive) + " consecutive " +
         (passed ? (t.consecutive == 1 ? "success" : "successes")
                 : (t.consecutive == 1 ? "failure" : "failures")) +
         ")";
}

}  // namespace

std::string describe(const Transition& t) {
  return std::string(state_name(t.from)) + " -> " + state_name(t.to) + ": " + reason_text(t);
}

}  // namespace tollgate::health
