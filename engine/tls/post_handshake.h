// Handshake messages after the handshake, as the record layer opens them: TLS 1.3 KeyUpdate from either
// peer and NewSessionTicket from a target (RFC 8446 §4.6); TLS 1.2 renegotiation — a ClientHello from a
// client, a HelloRequest from a target (RFC 5246 §7.4.1) — which we refuse with a warning. Anything else
// is unexpected_message.
//
// A handshake message may span records (RFC 8446 §5.1, RFC 5246 §6.2.1), so the reader carries a message
// across read() calls: its 4-byte header and, for KeyUpdate, the one-byte body. Bodies we do not act on
// (tickets, renegotiating ClientHellos) are counted down, never buffered, so the state stays a few bytes
// whatever the peer sends. Rules it enforces (the alert is what read() returns):
//   - a zero-length handshake record: unexpected_message (RFC 8446 §5.1, RFC 5246 §6.2.1);
//   - KeyUpdate with a length other than 1: decode_error; request_update other than 0/1: illegal_parameter
//     (RFC 8446 §4.6.3);
//   - a KeyUpdate not ending its record (the keys change after it): unexpected_message (§5.1);
//   - a HelloRequest with a body, a ticket longer than its fields allow: decode_error.
// The caller enforces the rest of §5.1: no other record type while mid_message().
#pragma once

#include <cstdint>
#include <span>

#include "engine/tls/cipher_suite.h"

namespace tollgate::tls {

// What one handshake record carried.
struct PostHandshakeEvent {
  uint8_t alert = 0;            // not 0: the record is refused, send this fatal alert
  uint16_t messages = 0;        // messages completed (for the caller's rate bound)
  uint16_t tickets = 0;         // NewSessionTickets completed (client role, TLS 1.3): skipped
  uint16_t renegotiations = 0;  // TLS 1.2 ClientHellos (server role) or HelloRequests (client role)
  int8_t key_update = -1;       // 0 or 1: the record ended with a KeyUpdate carrying this request_update
};

class PostHandshakeReader {
 public:
  // For a connection that negotiated `version`, on our side `server` (we accepted it) or not (we opened
  // it to a target).
  void reset(TlsVersion version, bool server);
  // The content of one opened handshake record.
  PostHandshakeEvent read(std::span<const uint8_t> content);
  // A message started in an earlier record is not complete: only handshake records may follow.
  bool mid_message() const { return header_have_ > 0; }

 private:
  uint8_t begin_message();  // the header is complete: 0, or the alert

  uint8_t header_[4] = {};
  uint8_t header_have_ = 0;  // header bytes of the message being read; 0 between messages
  uint32_t body_left_ = 0;   // body bytes still to come once the header is complete
  TlsVersion version_ = TlsVersion::kTls13;
  bool server_ = true;
};

}  // namespace tollgate::tls
