// Numbers of the TLS wire protocol that several parts of the record and handshake code name: one
// definition each, as engine/net/protocol_numbers.h does for the network layers.
#pragma once

#include <cstdint>

namespace tollgate::tls::wire {

// AlertLevel (RFC 5246 §7.2; RFC 8446 §6 keeps the byte).
constexpr uint8_t kAlertWarning = 1;
constexpr uint8_t kAlertFatal = 2;

// AlertDescription (RFC 8446 §6, RFC 5246 §7.2.2).
constexpr uint8_t kCloseNotify = 0;
constexpr uint8_t kUnexpectedMessage = 10;
constexpr uint8_t kIllegalParameter = 47;
constexpr uint8_t kDecodeError = 50;
constexpr uint8_t kInternalError = 80;
constexpr uint8_t kNoRenegotiation = 100;

// HandshakeType (RFC 8446 §4, RFC 5246 §7.4).
constexpr uint8_t kHelloRequest = 0;
constexpr uint8_t kClientHello = 1;
constexpr uint8_t kNewSessionTicket = 4;
constexpr uint8_t kKeyUpdate = 24;

}  // namespace tollgate::tls::wire
