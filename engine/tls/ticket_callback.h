// What OpenSSL calls to encrypt a session ticket it issues and to decrypt one a client presents, when a
// listener shares a TicketKeyRing across its cores (ServerContext::create with a ring). Without it each
// SSL_CTX would use its own random keys, and a ticket would resume only on the core that issued it.
#pragma once

#include <openssl/types.h>

namespace tollgate::tls {

// Sets the ticket callback on `ctx`. It finds the ring through the connection's HandshakeCallbackState
// (its ServerContext), so only ServerHandshake's SSLs may use `ctx`.
void install_ticket_callback(SSL_CTX* ctx);

}  // namespace tollgate::tls
