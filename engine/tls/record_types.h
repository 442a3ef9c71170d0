// TLS record-layer vocabulary: content types, size limits, and why a record is refused. Types only.
#pragma once

#include <cstddef>
#include <cstdint>

#include "engine/tls/cipher_suite.h"

namespace tollgate::tls {

// RFC 8446 §5.1 / RFC 5246 §6.2.1.
enum class ContentType : uint8_t {
  kInvalid = 0,
  kChangeCipherSpec = 20,
  kAlert = 21,
  kHandshake = 22,
  kApplicationData = 23,
};

inline constexpr size_t kHeaderSize = 5;                  // type, legacy_record_version, length
inline constexpr uint16_t kLegacyRecordVersion = 0x0303;  // what every TLS 1.2/1.3 record carries
inline constexpr size_t kMaxPlaintext = 1 << 14;          // 2^14 (RFC 8446 §5.1, RFC 5246 §6.2.1)
// TLS 1.3 caps a protected record's body at 2^14 + 256 (RFC 8446 §5.2). TLS 1.2 allows 2^14 + 2048 for any
// cipher (RFC 5246 §6.2.3), but with the AEADs here a genuine record is at most 2^14 + 8 + 16 bytes, so
// the 1.3 limit bounds both and a longer length is record_overflow either way.
inline constexpr size_t kMaxCiphertext = kMaxPlaintext + 256;
inline constexpr size_t kMaxRecordSize = kHeaderSize + kMaxCiphertext;

// record_size_limit (RFC 8449 §4): the most plaintext a protected record may carry towards the endpoint
// that announced it — in TLS 1.3 the whole TLSInnerPlaintext (content, type byte, padding), in TLS 1.2
// the content. The protocol maxima are also what we announce: we take full-size records.
inline constexpr uint16_t kRecordSizeLimitExtension = 28;  // ExtensionType (RFC 8449 §4)
inline constexpr uint16_t kMinRecordSizeLimit = 64;        // below: illegal_parameter
inline constexpr uint16_t kTls13RecordSizeLimit = kMaxPlaintext + 1;
inline constexpr uint16_t kTls12RecordSizeLimit = kMaxPlaintext;

// Why a record was not sealed or opened. Errors the peer caused carry, as their value, the TLS
// AlertDescription to send before closing (RFC 8446 §6.2); local conditions live at 0xf0 and above, where
// no alert is defined, and alert_for() says there is none.
enum class RecordError : uint8_t {
  kNone = 0,
  kUnexpectedMessage = 10,  // wrong outer type for the version; TLS 1.3 inner plaintext all zeros
  kBadRecordMac = 20,       // the tag did not verify, or the record is too short to hold one
  kRecordOverflow = 22,     // length above the limit, or plaintext above 2^14 (TLS 1.3 inner: 2^14 + 1)
  kDecodeError = 50,        // malformed header (legacy_record_version other than 0x0303)
  kInternalError = 80,      // ipsec-mb refused the job: our bug, the connection cannot continue
  // Local conditions, no alert:
  kSequenceExhausted = 0xf0,  // the sequence number would wrap: KeyUpdate (TLS 1.3) or close
  kKeysNotInstalled,
  kBufferTooSmall,  // the caller's record or output buffer cannot hold the result
  kInvalidLength,   // sealing: content (TLS 1.3: content + type + padding) above the keys' record limit
  kBatchFull,       // the AeadEngine batch is full: run it and queue again
};

// The alert to send for `e`, or 0 when there is none (success or a local condition).
constexpr uint8_t alert_for(RecordError e) {
  const auto v = static_cast<uint8_t>(e);
  return v < 0xf0 ? v : 0;
}

}  // namespace tollgate::tls
