// What OpenSSL calls back into during a server handshake — each ClientHello (counted, to see a
// HelloRetryRequest), certificate choice by SNI, ALPN selection, and the TLS 1.3 traffic secrets (the
// keylog callback, the only way OpenSSL 3.0 hands them out) — and the per-connection state those callbacks
// and the record_size_limit extension (record_size_limit.h) write. The callbacks are set on every SSL_CTX of
// a ServerContext; each finds its connection's state through the SSL's app data. A ClientContext's SSL_CTX
// gets the secret capture only (ClientHandshake): the other fields of the state stay at their defaults.
#pragma once

#include <openssl/types.h>

#include "engine/tls/handshake_types.h"

namespace tollgate::tls {

class ServerContext;

struct HandshakeCallbackState {
  const ServerContext* context = nullptr;  // for the SNI lookup (server side only)
  TrafficSecrets secrets;                  // the peer's and our application traffic secret 0 (TLS 1.3)
  bool have_read_secret = false;
  bool have_write_secret = false;
  bool alpn_refused = false;  // the client offered ALPN without http/1.1
  // ClientHellos processed: 2 when we answered the first with a HelloRetryRequest (RFC 8446 §4.1.4).
  uint8_t client_hellos = 0;
  // The client's record_size_limit (RFC 8449), 0 when it sent none; refused when it was below 64.
  uint16_t peer_record_size_limit = 0;
  bool record_size_limit_refused = false;
  // TLS 1.2: the peer's records OpenSSL read after the peer's ChangeCipherSpec — its Finished, in as many
  // records as the peer cut it into (RFC 5246 §6.2.1): the read sequence number at the hand-over.
  bool peer_changed_cipher = false;
  uint64_t peer_protected_records = 0;
};

// Installs the four callbacks on `ctx` (a server context).
void install_handshake_callbacks(SSL_CTX* ctx);
// Installs the TLS 1.3 secret capture alone (the keylog callback), on a server or a client context: it
// files each application traffic secret as `read` (the peer's) or `write` (ours) by SSL_is_server.
void install_secret_capture(SSL_CTX* ctx);
// Points `ssl`'s callbacks at `state`, which must outlive the SSL.
void attach_callback_state(SSL* ssl, HandshakeCallbackState* state);
// The state attached to `ssl`, or null.
HandshakeCallbackState* callback_state(const SSL* ssl);

}  // namespace tollgate::tls
