// What ServerHandshake and ClientHandshake share: the OpenSSL SSL that runs the handshake over two memory
// BIOs, its life (made, run on the peer's bytes, failed or handed over, freed), the negotiated parameters,
// the hand-over of our record layer's keys (the TLS 1.3 traffic secrets captured by the keylog callback, or
// the TLS 1.2 key block from the master secret), and naming a failure from OpenSSL's error queue. Each side
// keeps what differs: its SSL_CTX and callbacks, the sequence numbers at the hand-over, and its own failure
// reasons.
#pragma once

#include <openssl/types.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "engine/tls/cipher_suite.h"
#include "engine/tls/handshake_callbacks.h"
#include "engine/tls/handshake_types.h"
#include "engine/tls/key_installer.h"
#include "engine/tls/traffic_keys.h"

namespace tollgate::tls {

// What a finished handshake agreed on.
struct NegotiatedParameters {
  TlsVersion version = TlsVersion::kTls13;
  CipherSuite suite = CipherSuite::kAes128GcmSha256;
  bool resumed = false;
  const char* cipher_name = "";  // OpenSSL's standard (IANA) name, static; "" before the handshake is done
  uint16_t cipher_id = 0;        // IANA code point, e.g. 0x1301
  std::string alpn;              // the selected protocol, empty when none
};

class OpenSslHandshake {
 public:
  // Makes the SSL from `ctx`, in the server's or the client's role, with its memory BIOs and this object's
  // callback state attached. If OpenSSL cannot, the handshake is failed (kOther) from the start.
  OpenSslHandshake(SSL_CTX* ctx, bool server);
  ~OpenSslHandshake();  // frees the SSL if still held, wipes the captured secrets
  // OpenSSL's callbacks hold a pointer to callbacks().
  OpenSslHandshake(const OpenSslHandshake&) = delete;
  OpenSslHandshake& operator=(const OpenSslHandshake&) = delete;

  // Null once failed or handed over.
  SSL* ssl() const { return ssl_; }
  HandshakeCallbackState& callbacks() { return callbacks_; }
  const HandshakeCallbackState& callbacks() const { return callbacks_; }
  HandshakeStatus status() const { return status_; }
  HandshakeFailure failure() const { return failure_; }
  const NegotiatedParameters& negotiated() const { return negotiated_; }

  // Fails the handshake for `reason`: clears this thread's OpenSSL error queue and frees the SSL.
  HandshakeStatus fail(HandshakeFailure reason);

  // The peer's bytes, in any pieces, for OpenSSL to read. False when the caller has nothing more to do
  // with them than return status(): failed, already handed over, or done (the bytes wait for take_keys'
  // leftover).
  bool accept_input(std::span<const uint8_t> in);

  // Runs OpenSSL's handshake on what it holds and appends what it wrote (our flight, or the alert) to
  // `out`. kDone when it finished, negotiated() filled in — failed instead (kProtocolError) if OpenSSL
  // holds bytes beyond its last handshake record, which the hand-over would lose, or (kOther) if the
  // parameters are not ones our record layer protects. kInProgress while it waits for the peer. kFailed on
  // an error, with status() unchanged and the SSL and OpenSSL's error queue left for the caller to
  // classify, which then calls fail().
  HandshakeStatus run(std::vector<uint8_t>& out);

  // After kDone: installs our record keys — TLS 1.3 from the captured secrets (read = the peer's, write =
  // ours), copied to `secrets` for KeyUpdate; TLS 1.2 from the session's key block (RFC 5246 §6.3), the
  // client's keys to `write` or `read` as we are the client or the server, `secrets` emptied — wipes the
  // captured secrets, appends the peer's bytes OpenSSL did not read to `leftover`, and frees the SSL.
  // Sequence numbers are left at 0: the caller knows how many records OpenSSL protected. False (keys
  // erased, failed kOther) when the keys cannot be derived.
  bool hand_over(const KeyInstaller& installer, TrafficKeys& read, TrafficKeys& write,
                 TrafficSecrets& secrets, std::vector<uint8_t>& leftover);

 private:
  void release_ssl();

  SSL* ssl_ = nullptr;
  BIO* from_peer_ = nullptr;  // owned by ssl_
  BIO* to_peer_ = nullptr;    // owned by ssl_
  HandshakeCallbackState callbacks_;
  HandshakeStatus status_ = HandshakeStatus::kInProgress;
  HandshakeFailure failure_ = HandshakeFailure::kNone;
  NegotiatedParameters negotiated_;
};

// The failure OpenSSL's first queued error names (the cause, not its consequences), for errors both sides
// detect alike: no common suite, group or signature algorithm; no common version; ALPN; else a protocol
// error. kOther when the queue holds no SSL-library error.
HandshakeFailure classify_ssl_error();

}  // namespace tollgate::tls
