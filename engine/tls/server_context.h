// A listener's TLS configuration: its certificates, indexed by name for SNI, and the OpenSSL contexts
// handshakes run in. Built once (create), immutable afterwards, and shared read-only by every core's
// handshakes: OpenSSL reference-counts an SSL_CTX atomically and the name index is only read.
//
// One SSL_CTX per set of names: certificates whose subjectAltName DNS names are the same set (typically an
// ECDSA and an RSA certificate for the same site) share one context, and OpenSSL picks between them per
// handshake — ECDSA when the client's signature algorithms allow it, RSA otherwise. Every context is
// configured identically (versions, suites, options, callbacks); only the certificates differ, because
// switching context in the SNI callback (SSL_set_SSL_CTX) swaps the certificates and the callbacks that
// run later, but not the options and cipher lists the connection copied from its first context.
//
// Session tickets: with a TicketKeyRing every context encrypts and decrypts tickets with the ring's keys,
// so the contexts that each core builds for the same listener from the same ring accept each other's
// tickets. Without one, OpenSSL's per-SSL_CTX random keys apply: tickets resume only in the context
// (the core) that issued them, and those keys never rotate.
#pragma once

#include <openssl/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/tls/handshake_types.h"
#include "engine/tls/sni_index.h"

namespace tollgate::tls {

class TicketKeyRing;

class ServerContext {
 public:
  // Loads every certificate chain and key, checks that each key belongs to its leaf, and indexes the
  // leaves by their subjectAltName DNS names (exact names, and "*.example.com" wildcards covering one
  // label). The first certificate is the default, for a client without SNI or with a name nothing covers;
  // it alone may carry no DNS name. On failure returns null and `error` names the file and the problem.
  // `tickets`, when given, supplies the session ticket keys (see above); the context keeps it alive.
  static std::unique_ptr<ServerContext> create(const std::vector<CertificateFiles>& certs,
                                               SecurityPolicy policy, std::string& error,
                                               std::shared_ptr<TicketKeyRing> tickets = nullptr);
  ~ServerContext();
  ServerContext(const ServerContext&) = delete;
  ServerContext& operator=(const ServerContext&) = delete;

  SecurityPolicy policy() const { return policy_; }
  // The shared ticket keys, or null when OpenSSL's per-context keys are used.
  const TicketKeyRing* ticket_keys() const { return tickets_.get(); }

  // For the handshake: the context every connection starts in (the default certificate's).
  SSL_CTX* initial_context() const { return contexts_.front(); }
  // The context whose certificates serve `host_name` (case-insensitive): an exact name first, then a
  // wildcard for the name minus its first label, else the default. SNI (RFC 6066 §3) sends no trailing dot.
  SSL_CTX* context_for(std::string_view host_name) const;

 private:
  explicit ServerContext(SecurityPolicy policy) : policy_(policy) {}

  SecurityPolicy policy_;
  std::shared_ptr<TicketKeyRing> tickets_;  // read by the ticket callback of every context
  std::vector<SSL_CTX*> contexts_;          // owned; [0] holds the default certificate
  SniIndex names_;  // SAN names → index into contexts_; when two name sets overlap, the first listed wins
};

}  // namespace tollgate::tls
