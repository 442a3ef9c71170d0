// The control plane's checks of a certificate chain and key before a listener uses them, and what
// `tollgatectl show certs` shows of a certificate. Every problem is reported, not only the first, each
// naming the file and the certificate it is about. Errors make the pair unusable; warnings do not.
//
// Checked: both files readable PEM; the key belongs to the leaf (the first certificate); each
// certificate was issued by the one after it (names and key identifiers match, and the signature verifies
// with the next certificate's key); every certificate valid now; the leaf not expiring within the warning
// window; the leaf naming at least one DNS name; no root at the end of the chain.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/tls/handshake_types.h"

namespace tollgate::tls {

enum class Severity : uint8_t { kError, kWarning };

struct CertificateProblem {
  Severity severity;
  std::string message;  // "<file>: <what is wrong>, with dates and subjects where they help"
};

// A certificate as an operator identifies it.
struct CertificateInfo {
  std::string subject;                 // RFC 2253: "CN=lab.tollgate.test,O=Tollgate"
  std::string issuer;                  // the same form
  std::string serial;                  // hexadecimal, upper case, as `openssl x509 -serial` prints it
  std::string key_type;                // "ECDSA P-256", "RSA 2048", else OpenSSL's short name
  int64_t not_before = 0;              // seconds since the epoch
  int64_t not_after = 0;               // seconds since the epoch
  std::vector<std::string> dns_names;  // subjectAltName DNS names, lowercase, sorted
};

struct CertificateCheck {
  CertificateFiles files;
  bool loaded = false;      // the leaf was read, so `leaf` and `chain_length` are filled
  CertificateInfo leaf;     // what `show certs` shows
  size_t chain_length = 0;  // certificates in the chain file, the leaf included
  std::vector<CertificateProblem> problems;

  size_t errors() const;
  // Loaded, and no error (warnings allowed).
  bool usable() const { return loaded && errors() == 0; }
};

struct CertificateCheckOptions {
  int64_t now = 0;                    // seconds since the epoch: the control plane's clock
  uint32_t expiry_warning_days = 30;  // a leaf expiring sooner is warned about
};

CertificateCheck check_certificate(const CertificateFiles& files, const CertificateCheckOptions& options);

// "2025-06-15 14:30:00 UTC".
std::string format_utc(int64_t seconds);

// Which of `certificates` (a listener's, in configured order) a handshake for `host_name` uses, chosen
// as ServerContext chooses: an exact SAN name, then a one-label wildcard, else the first (the default).
// Certificates with the same names (an ECDSA and an RSA one) share a handshake context, in which OpenSSL
// picks by the client's signature algorithms; this answers the first of them.
size_t certificate_for_sni(std::span<const CertificateInfo> certificates, std::string_view host_name);

}  // namespace tollgate::tls
