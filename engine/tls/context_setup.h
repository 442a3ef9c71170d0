// What ServerContext and ClientContext set up alike on their SSL_CTXs: the security policy (versions,
// suites, key exchange groups, and the options that keep records the way our record layer protects them),
// and OpenSSL's last error in words, for their configuration errors.
#pragma once

#include <openssl/types.h>

#include <string>

#include "engine/tls/handshake_types.h"

namespace tollgate::tls {

// Applies `policy` to `ctx`, either side: TLS 1.2 (unless kTls13Only) to 1.3; TLS 1.2 ECDHE with the AEADs
// of our record layer only; the three TLS 1.3 suites; groups X25519, P-256, P-384; no renegotiation, no
// compression. False if OpenSSL refuses a setting.
bool apply_security_policy(SSL_CTX* ctx, SecurityPolicy policy);

// OpenSSL's description of its most recent error ("unknown error" when there is none), then the
// thread's error queue cleared.
std::string openssl_error();

}  // namespace tollgate::tls
