#include "engine/tls/record.h"

#include <array>
#include <cstring>
#include <limits>

#include "engine/common/byte_order.h"

namespace tollgate::tls {
namespace {

void store_be64(uint8_t* p, uint64_t v) {
  store_be32(p, static_cast<uint32_t>(v >> 32));
  store_be32(p + 4, static_cast<uint32_t>(v));
}

// RFC 8446 §5.3 (and RFC 7905 §2 for TLS 1.2 ChaCha20): the 64-bit sequence number, big-endian and
// left-padded to the IV length, XORed with the static IV.
Nonce nonce_for(const TrafficKeys& keys, uint64_t seq) {
  Nonce n = keys.iv;
  for (size_t i = 0; i < 8; ++i) n[kNonceSize - 1 - i] ^= static_cast<uint8_t>(seq >> (8 * i));
  return n;
}

// RFC 5246 §6.2.3.3: additional_data = seq_num + TLSCompressed.type + TLSCompressed.version +
// TLSCompressed.length, the length being the plaintext's.
std::array<uint8_t, 13> tls12_aad(uint64_t seq, uint8_t type, size_t plaintext_length) {
  std::array<uint8_t, 13> aad;
  store_be64(aad.data(), seq);
  aad[8] = type;
  store_be16(aad.data() + 9, kLegacyRecordVersion);
  store_be16(aad.data() + 11, static_cast<uint16_t>(plaintext_length));
  return aad;
}

// Sequence numbers must not wrap (RFC 8446 §5.3; RFC 5246 §6.1). The last value, 2^64 - 1, is given up
// rather than tracked with a flag: the connection renews keys or closes one record earlier.
bool take_sequence(TrafficKeys& keys, uint64_t& seq) {
  if (keys.sequence == std::numeric_limits<uint64_t>::max()) return false;
  seq = keys.sequence++;
  return true;
}

RecordError status_error(AeadStatus s) {
  switch (s) {
    case AeadStatus::kOk:
      return RecordError::kNone;
    case AeadStatus::kBadTag:
      return RecordError::kBadRecordMac;
    default:
      return RecordError::kInternalError;  // refused, or finish called before run
  }
}

template <typename Result>
Result failed(RecordError e) {
  Result r;
  r.error = e;
  return r;
}

bool tls12_type_ok(uint8_t type) {
  return type >= static_cast<uint8_t>(ContentType::kChangeCipherSpec) &&
         type <= static_cast<uint8_t>(ContentType::kApplicationData);
}

}  // namespace

SealTicket queue_seal(AeadEngine& engine, TrafficKeys& keys, std::span<uint8_t> record, size_t content_length,
                      ContentType type, size_t padding) {
  SealTicket t;
  if (!keys.installed) return failed<SealTicket>(RecordError::kKeysNotInstalled);
  const bool tls13 = keys.version == TlsVersion::kTls13;
  // RFC 8446 §5.4: TLSInnerPlaintext (content, type, padding) at most 2^14 + 1 bytes; RFC 8449 §4: at
  // most the peer's record_size_limit, which max_content() folds in (type byte excluded).
  const size_t limit = max_content(keys);
  if (content_length > limit || (!tls13 && padding != 0) || (tls13 && content_length + padding > limit)) {
    return failed<SealTicket>(RecordError::kInvalidLength);
  }
  const size_t size = sealed_size(keys, content_length, padding);
  if (record.size() < size) return failed<SealTicket>(RecordError::kBufferTooSmall);
  if (engine.full()) return failed<SealTicket>(RecordError::kBatchFull);  // before taking a sequence number
  uint64_t seq;
  if (!take_sequence(keys, seq)) return failed<SealTicket>(RecordError::kSequenceExhausted);

  uint8_t* p = record.data();
  const size_t prefix = record_prefix(keys);
  const size_t inner = size - prefix - kTagSize;
  p[0] = tls13 ? static_cast<uint8_t>(ContentType::kApplicationData) : static_cast<uint8_t>(type);
  store_be16(p + 1, kLegacyRecordVersion);
  store_be16(p + 3, static_cast<uint16_t>(size - kHeaderSize));
  std::optional<uint16_t> op;
  if (tls13) {
    p[prefix + content_length] = static_cast<uint8_t>(type);
    std::memset(p + prefix + content_length + 1, 0, padding);
    op = engine.queue_seal(keys, nonce_for(keys, seq), {p, kHeaderSize}, p + prefix, p + prefix, inner,
                           p + prefix + inner);
  } else {
    if (is_gcm(keys.suite)) store_be64(p + kHeaderSize, seq);  // nonce_explicit = seq (RFC 5288 §3)
    const auto aad = tls12_aad(seq, static_cast<uint8_t>(type), content_length);
    op =
        engine.queue_seal(keys, nonce_for(keys, seq), aad, p + prefix, p + prefix, inner, p + prefix + inner);
  }
  if (!op)
    return failed<SealTicket>(RecordError::kInternalError);  // cannot happen: fullness was checked above
  t.op = *op;
  t.record_size = size;
  return t;
}

RecordError finish_seal(const AeadEngine& engine, const SealTicket& ticket) {
  if (ticket.error != RecordError::kNone) return ticket.error;
  return status_error(engine.status(ticket.op));
}

RecordError check_header(const TrafficKeys& keys, std::span<const uint8_t> header) {
  if (header.size() < kHeaderSize) return RecordError::kDecodeError;
  const uint8_t type = header[0];
  if (load_be16(&header[3]) > kMaxCiphertext) return RecordError::kRecordOverflow;
  // RFC 8446 §5: once protected, a TLS 1.3 record must be application_data on the outside (a bare
  // change_cipher_spec during the handshake is the handshake code's business, not ours). TLS 1.2 protects
  // every content type.
  const bool tls13 = keys.version == TlsVersion::kTls13;
  if (tls13 ? type != static_cast<uint8_t>(ContentType::kApplicationData) : !tls12_type_ok(type))
    return RecordError::kUnexpectedMessage;
  // RFC 8446 §5.1 says legacy_record_version is to be ignored, but it is covered by the AAD anyway; like
  // OpenSSL we refuse anything but 0x0303 up front as decode_error.
  if (load_be16(&header[1]) != kLegacyRecordVersion) return RecordError::kDecodeError;
  return RecordError::kNone;
}

namespace {

OpenTicket queue_open_to(AeadEngine& engine, TrafficKeys& keys, std::span<uint8_t> record, bool in_place,
                         std::span<uint8_t> out_buffer) {
  OpenTicket t;
  t.version = keys.version;
  if (!keys.installed) return failed<OpenTicket>(RecordError::kKeysNotInstalled);
  if (record.size() < kHeaderSize) return failed<OpenTicket>(RecordError::kDecodeError);
  const uint8_t* p = record.data();
  const uint8_t type = p[0];
  const size_t body = load_be16(p + 3);
  if (record.size() != kHeaderSize + body) return failed<OpenTicket>(RecordError::kDecodeError);
  if (const RecordError e = check_header(keys, record.first(kHeaderSize)); e != RecordError::kNone)
    return failed<OpenTicket>(e);
  const bool tls13 = keys.version == TlsVersion::kTls13;
  const size_t explicit_size = explicit_nonce_size(keys.version, keys.suite);
  if (body < explicit_size + kTagSize) return failed<OpenTicket>(RecordError::kBadRecordMac);
  const size_t length = body - explicit_size - kTagSize;
  uint8_t* out = out_buffer.data();
  if (in_place) {
    out = record.data() + kHeaderSize + explicit_size;
  } else if (out_buffer.size() < length) {
    return failed<OpenTicket>(RecordError::kBufferTooSmall);
  }
  if (engine.full()) return failed<OpenTicket>(RecordError::kBatchFull);
  uint64_t seq;
  if (!take_sequence(keys, seq)) return failed<OpenTicket>(RecordError::kSequenceExhausted);

  const uint8_t* ciphertext = p + kHeaderSize + explicit_size;
  const uint8_t* tag = ciphertext + length;
  std::optional<uint16_t> op;
  if (tls13) {
    op = engine.queue_open(keys, nonce_for(keys, seq), {p, kHeaderSize}, ciphertext, out, length, tag);
  } else {
    Nonce nonce = nonce_for(keys, seq);
    // RFC 5288 §3: the peer chose nonce_explicit (usually its sequence number, but it need not be).
    if (is_gcm(keys.suite)) std::memcpy(nonce.data() + 4, p + kHeaderSize, 8);
    op = engine.queue_open(keys, nonce, tls12_aad(seq, type, length), ciphertext, out, length, tag);
  }
  if (!op) return failed<OpenTicket>(RecordError::kInternalError);
  t.op = *op;
  t.outer_type = static_cast<ContentType>(type);
  t.plaintext = out;
  t.length = length;
  return t;
}

}  // namespace

OpenTicket queue_open(AeadEngine& engine, TrafficKeys& keys, std::span<uint8_t> record) {
  return queue_open_to(engine, keys, record, true, {});
}

OpenTicket queue_open(AeadEngine& engine, TrafficKeys& keys, std::span<uint8_t> record,
                      std::span<uint8_t> out) {
  return queue_open_to(engine, keys, record, false, out);
}

Plaintext finish_open(const AeadEngine& engine, const OpenTicket& ticket) {
  if (ticket.error != RecordError::kNone) return failed<Plaintext>(ticket.error);
  if (const RecordError e = status_error(engine.status(ticket.op)); e != RecordError::kNone)
    return failed<Plaintext>(e);
  if (ticket.version == TlsVersion::kTls12) {
    if (ticket.length > kMaxPlaintext) return failed<Plaintext>(RecordError::kRecordOverflow);
    return {RecordError::kNone, ticket.outer_type, {ticket.plaintext, ticket.length}};
  }
  // RFC 8446 §5.4: the content type is the last non-zero byte; all zeros is unexpected_message.
  size_t i = ticket.length;
  while (i > 0 && ticket.plaintext[i - 1] == 0) --i;
  if (i == 0) return failed<Plaintext>(RecordError::kUnexpectedMessage);
  const uint8_t type = ticket.plaintext[i - 1];
  const size_t content = i - 1;
  // RFC 8446 §5.4: the whole TLSInnerPlaintext, padding included, at most 2^14 + 1 bytes — also the
  // record_size_limit we announce (RFC 8449 §4), so over-padded records are refused too.
  if (ticket.length > kTls13RecordSizeLimit) return failed<Plaintext>(RecordError::kRecordOverflow);
  // Only these three may be protected in TLS 1.3 (§5: change_cipher_spec is never encrypted).
  if (type != static_cast<uint8_t>(ContentType::kAlert) &&
      type != static_cast<uint8_t>(ContentType::kHandshake) &&
      type != static_cast<uint8_t>(ContentType::kApplicationData)) {
    return failed<Plaintext>(RecordError::kUnexpectedMessage);
  }
  return {RecordError::kNone, static_cast<ContentType>(type), {ticket.plaintext, content}};
}

}  // namespace tollgate::tls
