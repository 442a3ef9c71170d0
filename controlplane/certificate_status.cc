#include "controlplane/certificate_status.h"

#include <fmt/format.h>

namespace tollgate::controlplane {

std::vector<CertificateStatus> check_listener_certificates(const dataplane::DataplaneConfig& config,
                                                           int64_t now) {
  std::vector<CertificateStatus> out;
  tls::CertificateCheckOptions options;
  options.now = now;
  options.expiry_warning_days = kCertificateWarningDays;
  for (const dataplane::ListenerConfig& l : config.listeners) {
    for (const dataplane::CertificateConfig& c : l.certificates) {
      CertificateStatus s;
      s.listener = l.name;
      s.check = tls::check_certificate({c.chain, c.key}, options);
      s.seconds_left = s.check.loaded ? s.check.leaf.not_after - now : 0;
      if (s.check.loaded && s.seconds_left < 0) {
        s.state = CertificateState::kExpired;
      } else if (!s.check.usable()) {
        s.state = CertificateState::kInvalid;
      } else if (s.seconds_left < int64_t{kCertificateWarningDays} * 86400) {
        s.state = CertificateState::kExpiring;
      }
      out.push_back(std::move(s));
    }
  }
  return out;
}

std::string_view certificate_state_name(CertificateState s) {
  switch (s) {
    case CertificateState::kOk:
      return "ok";
    case CertificateState::kExpiring:
      return "expiring";
    case CertificateState::kExpired:
      return "expired";
    case CertificateState::kInvalid:
      return "invalid";
  }
  return "?";
}

std::string certificate_warning(const CertificateStatus& s) {
  const std::string& chain = s.check.files.chain_pem;
  switch (s.state) {
    case CertificateState::kOk:
      return {};
    case CertificateState::kExpiring:
      return fmt::format("listener {}: certificate {} (serial {}) expires in {} day(s), {}", s.listener,
                         chain, s.check.leaf.serial, s.seconds_left / 86400,
                         tls::format_utc(s.check.leaf.not_after));
    case CertificateState::kExpired:
      return fmt::format("listener {}: certificate {} (serial {}) EXPIRED {}; clients refuse it", s.listener,
                         chain, s.check.leaf.serial, tls::format_utc(s.check.leaf.not_after));
    case CertificateState::kInvalid:
      for (const tls::CertificateProblem& p : s.check.problems) {
        if (p.severity == tls::Severity::kError)
          return fmt::format("listener {}: certificate unusable: {}", s.listener, p.message);
      }
      return fmt::format("listener {}: certificate {} unusable", s.listener, chain);
  }
  return {};
}

}  // namespace tollgate::controlplane
