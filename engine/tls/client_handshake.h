// The client side of one connection's TLS handshake, towards a pool's target: the mirror of
// ServerHandshake. OpenSSL runs it over memory BIOs: start() gives the ClientHello to send, the caller
// feeds the target's bytes as they arrive and sends what comes out. Once the handshake is done,
// take_keys() hands the connection's records to our record layer — keys, sequence numbers, the bytes
// OpenSSL did not read — and frees the SSL: from then on AeadEngine seals and opens every record.
//
// The handshake is done when OpenSSL has verified the target (ClientContext: CA bundle and name) and
// written our Finished, which goes out in the same call's output.
//
// Sequence numbers at the hand-over (RFC 8446 §5.3, RFC 5246 §6.1):
//   TLS 1.3  read 0 and write 0. Our Finished is under our handshake keys, and OpenSSL, reading one
//            record at a time, stops after the server's Finished: nothing under either side's application
//            keys has been read or written. The server's NewSessionTicket messages come after that
//            (OpenSSL servers send them once they have our Finished; others may send them right behind
//            their own Finished) as ordinary records under the server's application keys: bytes that
//            arrive before take_keys are handed over in `leftover`, later ones come to the record layer
//            directly, and either way each ticket record is opened by our record layer and takes its
//            read sequence number (0, 1, ... before the first response record) like any other record.
//            Opened, a ticket is a handshake message (inner type 22, msg_type 4, RFC 8446 §4.6.1) that
//            the caller skips; we keep no session, so nothing else is lost.
//   TLS 1.2  write 1 (our Finished); read = the records the target sent after its ChangeCipherSpec (its
//            Finished, in however many records it cut it into, counted as on the server side) — the server's
//            ChangeCipherSpec and Finished close the full handshake; a resumed one is not offered.
//
// Record size: we send no record_size_limit (RFC 8449), so neither side has a limit below the protocol's;
// take_keys leaves TrafficKeys::record_size_limit at 0 both ways.
//
// Not thread-safe; one per connection, on the core that owns the connection. OpenSSL's per-thread error
// queue is cleared around each call, so a failure here never leaks into another connection's diagnosis.
#pragma once

#include <openssl/types.h>

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "engine/tls/cipher_suite.h"
#include "engine/tls/handshake_callbacks.h"
#include "engine/tls/handshake_openssl.h"
#include "engine/tls/handshake_types.h"
#include "engine/tls/key_installer.h"
#include "engine/tls/traffic_keys.h"

namespace tollgate::tls {

class ClientContext;

class ClientHandshake {
 public:
  // `context` must outlive the handshake.
  explicit ClientHandshake(const ClientContext& context);
  // OpenSSL's callbacks hold a pointer into this object.
  ClientHandshake(const ClientHandshake&) = delete;
  ClientHandshake& operator=(const ClientHandshake&) = delete;

  // Appends the ClientHello to `out`. Once, before any feed().
  HandshakeStatus start(std::vector<uint8_t>& out);
  // Bytes from the target, in any pieces. Appends to `out` what must be sent to it — including the alert
  // when the handshake fails. After kDone, further bytes are kept for take_keys()'s `leftover`.
  HandshakeStatus feed(std::span<const uint8_t> in, std::vector<uint8_t>& out);
  HandshakeStatus status() const { return core_.status(); }
  HandshakeFailure failure() const { return core_.failure(); }
  // OpenSSL's X509 verification result (X509_V_OK, X509_V_ERR_HOSTNAME_MISMATCH, ...), for logs: why
  // kBadCertificate or kCertificateNameMismatch. X509_verify_cert_error_string() spells it out.
  long verify_result() const { return verify_result_; }

  // After kDone, once: installs the target's keys in `read` and ours in `write` with the sequence numbers
  // above, fills `secrets` (TLS 1.3 application traffic secrets, read = the server's, for KeyUpdate;
  // length 0 for TLS 1.2), appends to `leftover` the target's bytes OpenSSL did not consume (records
  // following its Finished), then frees the SSL. False (keys erased, failure() kOther) if the keys cannot
  // be derived.
  bool take_keys(const KeyInstaller& installer, TrafficKeys& read, TrafficKeys& write,
                 TrafficSecrets& secrets, std::vector<uint8_t>& leftover);

  // The negotiated parameters, valid from kDone on.
  TlsVersion version() const { return core_.negotiated().version; }
  CipherSuite suite() const { return core_.negotiated().suite; }
  std::string_view alpn() const {
    return core_.negotiated().alpn;
  }  // "http/1.1", or empty if the target chose none
  bool resumed() const { return core_.negotiated().resumed; }
  // OpenSSL's standard (IANA) name, e.g. "TLS_AES_128_GCM_SHA256", for logs; "" before kDone.
  const char* cipher_name() const { return core_.negotiated().cipher_name; }
  uint16_t cipher_id() const { return core_.negotiated().cipher_id; }  // IANA code point, e.g. 0x1301

 private:
  HandshakeFailure classify_failure();

  OpenSslHandshake core_;   // its callback state holds the TLS 1.3 secrets only
  long verify_result_ = 0;  // X509_V_OK
  bool started_ = false;
};

}  // namespace tollgate::tls
