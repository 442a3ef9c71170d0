#include "engine/tls/context_setup.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace tollgate::tls {
namespace {

// TLS 1.2: ECDHE only (forward secrecy) and the AEADs our record layer implements. A server uses this
// order as its preference (SSL_OP_CIPHER_SERVER_PREFERENCE): AES-128-GCM first, cheapest with AES-NI.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
constexpr const char* kTls13Suites =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";
// Key exchange groups, in our order of preference, for both policies (TLS 1.3 key shares and TLS 1.2
// ECDHE curves): OpenSSL's default list would add X448, P-521 and the FFDHE groups. A TLS 1.3 client whose
// key share is for none of these but that lists one of them gets a HelloRetryRequest (RFC 8446 §4.1.4);
// one that lists none gets handshake_failure. As a client we send our key share for X25519.
constexpr const char* kGroups = "X25519:P-256:P-384";

}  // namespace

bool apply_security_policy(SSL_CTX* ctx, SecurityPolicy policy) {
  const int min_version = policy == SecurityPolicy::kTls13Only ? TLS1_3_VERSION : TLS1_2_VERSION;
  return SSL_CTX_set_min_proto_version(ctx, min_version) == 1 &&
         SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) == 1 &&
         SSL_CTX_set_cipher_list(ctx, kTls12Ciphers) == 1 &&
         SSL_CTX_set_ciphersuites(ctx, kTls13Suites) == 1 && SSL_CTX_set1_groups_list(ctx, kGroups) == 1 &&
         // Each option removes something our record layer would have to follow after the handshake:
         // renegotiation and compression change the records.
         (SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION) &
          SSL_OP_NO_RENEGOTIATION) != 0;
}

std::string openssl_error() {
  const unsigned long e = ERR_peek_last_error();
  const char* reason = e != 0 ? ERR_reason_error_string(e) : nullptr;
  std::string s = reason != nullptr ? reason : "unknown error";
  ERR_clear_error();
  return s;
}

}  // namespace tollgate::tls
