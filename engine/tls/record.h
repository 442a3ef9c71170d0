// Sealing and opening TLS records: framing, nonce and AAD construction, sequence numbers, and the TLS 1.3
// inner plaintext (RFC 8446 §5), or TLS 1.2 AEAD records (RFC 5246 §6.2.3.3 with RFC 5288 for AES-GCM and
// RFC 7905 for ChaCha20-Poly1305). The crypto itself runs in an AeadEngine batch, so each operation has
// two halves: queue_*() frames the record, takes a sequence number and queues the AEAD operation;
// finish_*() reads the outcome after AeadEngine::run(). Records of many connections share one batch.
//
// Record layouts (h = 5-byte header, tag = 16 bytes):
//   TLS 1.3:              h | AEAD(content | type | zeros) | tag      header type 23, length = body size
//   TLS 1.2 AES-GCM:      h | seq (8, explicit nonce) | AEAD(content) | tag
//   TLS 1.2 ChaCha20:     h | AEAD(content) | tag
// Nonce: iv XOR (0^4 || seq) — for TLS 1.2 GCM that is salt || explicit nonce. AAD: the header for
// TLS 1.3; seq || type || version || plaintext length (13 bytes) for TLS 1.2.
//
// A sequence number is consumed when the operation is queued. A failed open is fatal for the connection
// (the caller sends the alert and closes), so there is nothing to roll back.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "engine/tls/aead_engine.h"
#include "engine/tls/record_types.h"
#include "engine/tls/traffic_keys.h"

namespace tollgate::tls {

// Where the content starts in a sealed record: the header plus, for TLS 1.2 GCM, the explicit nonce.
constexpr size_t record_prefix(const TrafficKeys& keys) {
  return kHeaderSize + explicit_nonce_size(keys.version, keys.suite);
}

// Total bytes of a record carrying `content` bytes (and, TLS 1.3 only, `padding` zero bytes).
constexpr size_t sealed_size(const TrafficKeys& keys, size_t content, size_t padding = 0) {
  const size_t inner = keys.version == TlsVersion::kTls13 ? content + 1 + padding : content;
  return record_prefix(keys) + inner + kTagSize;
}

// The most content one record sealed with `keys` may carry: 2^14, or less under the peer's
// record_size_limit — which in TLS 1.3 counts the inner content type too, so a limit L leaves L - 1.
constexpr size_t max_content(const TrafficKeys& keys) {
  const bool tls13 = keys.version == TlsVersion::kTls13;
  const size_t protocol = tls13 ? kTls13RecordSizeLimit : kTls12RecordSizeLimit;
  const size_t limit =
      keys.record_size_limit != 0 && keys.record_size_limit < protocol ? keys.record_size_limit : protocol;
  return tls13 ? limit - 1 : limit;
}

struct SealTicket {
  RecordError error = RecordError::kNone;
  uint16_t op = 0;         // the operation in the engine's batch
  size_t record_size = 0;  // bytes of the finished record at the start of the caller's buffer
};

// Seals, in place, one record whose `content_length` bytes of content the caller has already written at
// record.data() + record_prefix(keys) (built where it will be sent: no copy). Writes the header (and the
// explicit nonce, or the TLS 1.3 content type and padding) now; the ciphertext and tag appear when the
// engine runs. `padding` must be 0 for TLS 1.2. Content (with TLS 1.3's type and padding) above the
// keys' record limit (max_content) is refused: kInvalidLength.
SealTicket queue_seal(AeadEngine& engine, TrafficKeys& keys, std::span<uint8_t> record, size_t content_length,
                      ContentType type, size_t padding = 0);
RecordError finish_seal(const AeadEngine& engine, const SealTicket& ticket);

struct OpenTicket {
  RecordError error = RecordError::kNone;
  uint16_t op = 0;
  TlsVersion version = TlsVersion::kTls13;
  ContentType outer_type = ContentType::kInvalid;
  uint8_t* plaintext = nullptr;  // where the decrypted bytes go
  size_t length = 0;             // ciphertext length without tag (TLS 1.3: inner plaintext length)
};

// What a protected record's 5-byte header alone says is wrong with it (length above the limit, an outer type
// the version does not allow, legacy_record_version other than 0x0303), or kNone. Checked as soon as the
// header arrives: a peer sending garbage is refused at once, not after the body its length claims.
RecordError check_header(const TrafficKeys& keys, std::span<const uint8_t> header);

// Opens one complete record (header and body, as RecordReader delivers it) in place: the plaintext
// overwrites the ciphertext inside `record`.
OpenTicket queue_open(AeadEngine& engine, TrafficKeys& keys, std::span<uint8_t> record);
// The same, decrypting into `out` (at least the record's body size, not overlapping the record).
OpenTicket queue_open(AeadEngine& engine, TrafficKeys& keys, std::span<uint8_t> record,
                      std::span<uint8_t> out);

struct Plaintext {
  RecordError error = RecordError::kNone;
  ContentType type = ContentType::kInvalid;  // TLS 1.3: the inner content type
  std::span<uint8_t> content;                // padding and content type removed
};

// After the engine ran: checks the tag's verdict and, for TLS 1.3, strips the padding to find the real
// content type (RFC 8446 §5.4).
Plaintext finish_open(const AeadEngine& engine, const OpenTicket& ticket);

}  // namespace tollgate::tls
