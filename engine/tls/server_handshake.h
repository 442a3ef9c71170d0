// The server side of one connection's TLS handshake. OpenSSL runs it over memory BIOs: the caller feeds
// the client's bytes as they arrive and sends what comes out. Once the handshake is done, take_keys()
// hands the connection's records to our record layer — keys, sequence numbers, the bytes OpenSSL did not
// read — and frees the SSL: from then on AeadEngine seals and opens every record.
//
// Sequence numbers at the hand-over (RFC 8446 §5.3, RFC 5246 §6.1):
//   TLS 1.3  read 0 (the client sent nothing under its application keys that OpenSSL read); write = the
//            records OpenSSL wrote under our application keys, i.e. its NewSessionTicket records, sent in
//            the same call that read the client's Finished; counted in that call's output.
//   TLS 1.2  write 1: our Finished was record 0 under the new keys; read = the records the client sent
//            after its ChangeCipherSpec (its Finished, which it may cut into several, RFC 5246 §6.2.1;
//            counted by OpenSSL's message callback, handshake_openssl.cc). Also when resumed:
//            the server's flight (ServerHello, [NewSessionTicket], ChangeCipherSpec, Finished) comes
//            first and the handshake completes on the client's Finished.
// A resumed TLS 1.3 handshake sends a NewSessionTicket too (ticket_callback.cc), counted the same way.
//
// Record size (RFC 8449): when the client sent record_size_limit, take_keys puts its value in our write
// keys (TrafficKeys::record_size_limit), so the record layer never seals more towards it; the read keys
// get the protocol maximum, which is the limit we announced (record_size_limit.h).
//
// Not thread-safe; one per connection, on the core that owns the connection. OpenSSL's per-thread error
// queue is cleared around each call, so a failure here never leaks into another connection's diagnosis.
#pragma once

#include <openssl/types.h>

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/tls/cipher_suite.h"
#include "engine/tls/handshake_callbacks.h"
#include "engine/tls/handshake_openssl.h"
#include "engine/tls/handshake_types.h"
#include "engine/tls/key_installer.h"
#include "engine/tls/traffic_keys.h"

namespace tollgate::tls {

class ServerContext;

class ServerHandshake {
 public:
  // `context` must outlive the handshake.
  explicit ServerHandshake(const ServerContext& context);
  // OpenSSL's callbacks hold a pointer into this object.
  ServerHandshake(const ServerHandshake&) = delete;
  ServerHandshake& operator=(const ServerHandshake&) = delete;

  // Bytes from the client, in any pieces. Appends to `out` what must be sent to the client — including
  // the alert when the handshake fails. After kDone, further bytes are kept for take_keys()'s `leftover`.
  HandshakeStatus feed(std::span<const uint8_t> in, std::vector<uint8_t>& out);
  HandshakeStatus status() const { return core_.status(); }
  HandshakeFailure failure() const { return core_.failure(); }

  // After kDone, once: installs the client's keys in `read` and ours in `write` with the sequence numbers
  // above, fills `secrets` (TLS 1.3 application traffic secrets, for KeyUpdate; length 0 for TLS 1.2),
  // appends to `leftover` the client's bytes OpenSSL did not consume (records following its Finished),
  // then frees the SSL. `write` carries the client's record_size_limit (0: none). False (keys erased,
  // failure() kOther) if the keys cannot be derived.
  bool take_keys(const KeyInstaller& installer, TrafficKeys& read, TrafficKeys& write,
                 TrafficSecrets& secrets, std::vector<uint8_t>& leftover);

  // The negotiated parameters, valid from kDone on.
  TlsVersion version() const { return core_.negotiated().version; }
  CipherSuite suite() const { return core_.negotiated().suite; }
  std::string_view sni() const { return sni_; }                      // empty without SNI
  std::string_view alpn() const { return core_.negotiated().alpn; }  // empty when the client offered no ALPN
  bool resumed() const { return core_.negotiated().resumed; }
  // OpenSSL's standard (IANA) name, e.g. "TLS_AES_128_GCM_SHA256", for logs; "" before kDone.
  const char* cipher_name() const { return core_.negotiated().cipher_name; }
  uint16_t cipher_id() const { return core_.negotiated().cipher_id; }  // IANA code point, e.g. 0x1301
  // Records OpenSSL wrote under our application keys (TLS 1.3 tickets): the write sequence number to be.
  uint64_t application_records_written() const { return application_records_written_; }
  // The record_size_limit the client sent (RFC 8449), 0 when none; valid once its ClientHello was read.
  uint16_t peer_record_size_limit() const { return core_.callbacks().peer_record_size_limit; }
  // Whether we answered a first ClientHello with a HelloRetryRequest (its key share was for a group we do
  // not accept, RFC 8446 §4.1.4): a second ClientHello came, whatever became of the handshake.
  bool hello_retried() const { return core_.callbacks().client_hellos > 1; }

 private:
  HandshakeFailure classify_failure() const;
  bool refuse_legacy_version(std::span<const uint8_t> in, std::vector<uint8_t>& out);

  // The first bytes of the client's first record: its ClientHello's legacy_version is checked here, since
  // OpenSSL answers 0x0300 with handshake_failure where RFC 8446 §D.5 asks for protocol_version.
  static constexpr size_t kHelloHead = 11;  // record header (5), handshake header (4), legacy_version (2)
  std::array<uint8_t, kHelloHead> hello_head_{};
  uint8_t hello_have_ = 0;

  OpenSslHandshake core_;
  uint64_t application_records_written_ = 0;
  std::string sni_;
};

}  // namespace tollgate::tls
