// The certificates in force as an operator watches them: every listener's chain and key checked the way a
// config load checks them (engine/tls/certificate_check.h), with the days left before the leaf expires.
// `show certs` prints them, `show stats` warns about the ones expiring or unusable, and the Prometheus
// text exports their expiry so an alert can fire long before a handshake fails.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "engine/tls/certificate_check.h"

namespace tollgate::controlplane {

enum class CertificateState : uint8_t {
  kOk,
  kExpiring,  // valid, but the leaf expires within the warning window
  kExpired,   // the leaf's notAfter has passed: clients refuse it
  kInvalid,   // unreadable, key not the leaf's, chain out of order, not yet valid
};

struct CertificateStatus {
  std::string listener;
  tls::CertificateCheck check;  // files, leaf, problems
  CertificateState state = CertificateState::kOk;
  int64_t seconds_left = 0;  // until the leaf's notAfter (negative once expired)
};

inline constexpr uint32_t kCertificateWarningDays = 30;

std::vector<CertificateStatus> check_listener_certificates(const dataplane::DataplaneConfig& config,
                                                           int64_t now);
std::string_view certificate_state_name(CertificateState s);
// The one-line warning `show stats` and the log print for a certificate not kOk; empty for kOk.
std::string certificate_warning(const CertificateStatus& s);

}  // namespace tollgate::controlplane
