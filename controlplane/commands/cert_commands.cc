// show.certs: every listener's certificates checked now (controlplane/certificate_status.h) — leaf
// subject, issuer, serial, key type, validity, DNS names, chain length, state and every problem found.
// Reads the chain and key files the config names; a key's contents never leave this process.
#include "controlplane/commands/command_table.h"
#include "controlplane/control_plane.h"

namespace tollgate::controlplane {
namespace {

nlohmann::json certificate_json(const CertificateStatus& s) {
  const tls::CertificateCheck& c = s.check;
  nlohmann::json j = {{"listener", s.listener},
                      {"chain", c.files.chain_pem},
                      {"key", c.files.key_pem},
                      {"state", certificate_state_name(s.state)}};
  if (c.loaded) {
    j["subject"] = c.leaf.subject;
    j["issuer"] = c.leaf.issuer;
    j["serial"] = c.leaf.serial;
    j["key_type"] = c.leaf.key_type;
    j["not_before"] = tls::format_utc(c.leaf.not_before);
    j["not_after"] = tls::format_utc(c.leaf.not_after);
    j["days_left"] = s.seconds_left / 86400;
    j["dns_names"] = c.leaf.dns_names;
    j["chain_length"] = c.chain_length;
  }
  nlohmann::json problems = nlohmann::json::array();
  for (const tls::CertificateProblem& p : c.problems) {
    problems.push_back(
        {{"severity", p.severity == tls::Severity::kError ? "error" : "warning"}, {"message", p.message}});
  }
  j["problems"] = std::move(problems);
  return j;
}

}  // namespace

void register_cert_commands(CommandTable& table, ControlPlane& cp) {
  table.add("show.certs",
            "each listener's certificates, checked now: subject, serial, key type, validity, DNS names, "
            "state (ok, expiring within 30 days, expired, invalid) and problems",
            [&cp](const nlohmann::json&) {
              cp.refresh_certificates();
              nlohmann::json certs = nlohmann::json::array();
              for (const CertificateStatus& s : cp.certificates()) certs.push_back(certificate_json(s));
              return CtlResponse::success({{"certs", std::move(certs)}});
            });
}

}  // namespace tollgate::controlplane
