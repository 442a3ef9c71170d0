// Which certificate serves a TLS client's server name (SNI, RFC 6066 §3): the certificates' subjectAltName
// DNS names, each mapped to what serves it (ServerContext: an SSL_CTX index; the control plane's
// certificate checks: a certificate index). Exact names first, then a wildcard covering one label, else
// nothing (the caller's default). Built once, then only read: safe to share between cores.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tollgate::tls {

class SniIndex {
 public:
  // `name` is a subjectAltName DNS name, lowercase ("*.example.com" for a wildcard).
  void add(std::string_view name, uint16_t value);
  // Call once after the last add. When two values were added for the same name, the first added wins.
  void finish();

  // What serves `host_name` (any case; no trailing dot, as SNI sends it): an exact name first, then a
  // wildcard for the name minus its first label. Nothing when neither covers it.
  std::optional<uint16_t> find(std::string_view host_name) const;

 private:
  struct Name {
    std::string name;  // lowercase; for a wildcard, the part after "*."
    uint16_t value;
  };
  static const Name* lookup(const std::vector<Name>& names, std::string_view name);

  // Sorted by name.
  std::vector<Name> exact_;
  std::vector<Name> wildcard_;
};

}  // namespace tollgate::tls
