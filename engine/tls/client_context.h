// A pool's TLS configuration towards its targets: the OpenSSL client context our handshakes with them run
// in, the CA bundle their certificates must chain to, and the name each must carry. Built once (create),
// immutable afterwards, shared read-only by every core's ClientHandshakes (OpenSSL reference-counts an
// SSL_CTX atomically and only reads the trust store during verification).
//
// Verification (RFC 9525, RFC 5280 through OpenSSL's X509 verifier): the target's chain must end at a
// certificate of `ca_file`, and its leaf must name `server_name` — a DNS name in its subjectAltName
// (wildcards cover one whole left-most label only, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS), or, when
// `server_name` is an IPv4 or IPv6 address, that address as an iPAddress subjectAltName. A DNS name is also
// sent as SNI (RFC 6066 §3); an address is not, which §3 forbids.
//
// Not done (yet): client certificates, session resumption with the targets (in TLS 1.3 the server's
// NewSessionTicket arrives after the hand-over, in our record layer, where OpenSSL cannot read it),
// OCSP and CRLs.
#pragma once

#include <openssl/types.h>

#include <memory>
#include <string>
#include <utility>

#include "engine/tls/handshake_types.h"

namespace tollgate::tls {

struct ClientSettings {
  // PEM bundle of the certificates trusted as roots for the targets. Empty is allowed only with
  // verify == false.
  std::string ca_file;
  // The target's host name (sent as SNI and verified) or IP address literal (verified, not sent).
  // Required when verifying; may be empty otherwise (then no SNI).
  std::string server_name;
  // False: any certificate is accepted — no protection against an active attacker; for labs only.
  bool verify = true;
  // The same policies as listeners: TLS 1.2 and 1.3 ECDHE/AEAD, or TLS 1.3 only.
  SecurityPolicy policy = SecurityPolicy::kDefault;
};

class ClientContext {
 public:
  // Builds the context: the policy, ALPN "http/1.1" offered, the CA bundle loaded (at least one
  // certificate), `server_name` checked to be a host name or an address. On failure returns null and
  // `why` says what is wrong (naming the file for CA problems).
  static std::unique_ptr<ClientContext> create(const ClientSettings& settings, std::string& why);
  ~ClientContext();
  ClientContext(const ClientContext&) = delete;
  ClientContext& operator=(const ClientContext&) = delete;

  const ClientSettings& settings() const { return settings_; }
  bool server_name_is_address() const { return address_; }

  // For ClientHandshake: the context its SSLs are made from.
  SSL_CTX* context() const { return ctx_; }
  // Sets on `ssl` what is per connection in OpenSSL: SNI and the name (or address) to verify. False if
  // OpenSSL refuses.
  bool prepare(SSL* ssl) const;

 private:
  explicit ClientContext(ClientSettings settings) : settings_(std::move(settings)) {}

  ClientSettings settings_;
  bool address_ = false;  // server_name is an IP address literal
  SSL_CTX* ctx_ = nullptr;
};

}  // namespace tollgate::tls
