// The record_size_limit extension (RFC 8449), which OpenSSL 3.0 does not implement, added to a server
// SSL_CTX through OpenSSL's custom extension API. A client announces the largest protected record
// plaintext it will take; we remember that value for the connection (HandshakeCallbackState), answer with
// our own limit — the protocol maximum, since we take full-size records — in the TLS 1.3
// EncryptedExtensions or the TLS 1.2 ServerHello, and ServerHandshake::take_keys hands the client's limit
// to the record layer (TrafficKeys::record_size_limit of our write direction).
//
// The records OpenSSL itself protects before the hand-over follow the limit as far as OpenSSL can: in TLS
// 1.3 its encrypted flight (EncryptedExtensions to Finished) and its NewSessionTicket go through
// SSL_set_max_send_fragment, set from the ClientHello, whose floor is 512 bytes of content: under a limit
// below 513 a record of the flight can exceed the limit (by at most 512 + 1 - limit bytes; a flight of
// short messages, as with an ECDSA certificate, usually fits anyway). Tickets OpenSSL wrote in records
// over the limit are not sent (ServerHandshake::feed drops them; the client cannot resume), so every
// record after the handshake keeps to the limit. In TLS 1.2 the only record OpenSSL protects is its Finished
// (16 bytes of content), within any legal limit; its other handshake records are unprotected, which the
// limit does not cover (RFC 8449 §4).
#pragma once

#include <openssl/types.h>

namespace tollgate::tls {

// Registers the extension on `ctx`. The callbacks find the connection's HandshakeCallbackState through
// the SSL's app data, so only ServerHandshake's SSLs may use `ctx`.
bool install_record_size_limit(SSL_CTX* ctx);

}  // namespace tollgate::tls
