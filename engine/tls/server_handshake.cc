#include "engine/tls/server_handshake.h"

#include <openssl/ssl.h>

#include <algorithm>

#include "engine/tls/record_types.h"
#include "engine/tls/server_context.h"

namespace tollgate::tls {
namespace {

// Records of outer type application_data in `bytes` (whole records only; OpenSSL writes whole records).
// In TLS 1.3 every encrypted record has that outer type (RFC 8446 §5.2).
uint64_t count_encrypted_records(std::span<const uint8_t> bytes) {
  uint64_t count = 0;
  size_t at = 0;
  while (bytes.size() - at >= kHeaderSize) {
    const size_t length = static_cast<size_t>(bytes[at + 3]) << 8 | bytes[at + 4];
    if (bytes[at] == static_cast<uint8_t>(ContentType::kApplicationData)) ++count;
    at += kHeaderSize + length;
    if (at > bytes.size()) break;
  }
  return count;
}

// TLS 1.3, RFC 8449 §4: the encrypted records from `start` on (the NewSessionTickets OpenSSL wrote as the
// handshake completed) are removed, all of them, when one carries more than `limit` bytes of inner
// plaintext — a ticket may span records, so they go together. OpenSSL cannot cut records below 512 bytes.
void drop_tickets_over(std::vector<uint8_t>& out, size_t start, uint16_t limit) {
  bool over = false;
  for (size_t at = start; out.size() - at >= kHeaderSize;) {
    const size_t length = static_cast<size_t>(out[at + 3]) << 8 | out[at + 4];
    if (out.size() - at - kHeaderSize < length) break;
    over =
        over || (out[at] == static_cast<uint8_t>(ContentType::kApplicationData) && length > limit + kTagSize);
    at += kHeaderSize + length;
  }
  if (!over) return;
  size_t kept = start;
  for (size_t at = start; at < out.size();) {
    const bool whole_header = out.size() - at >= kHeaderSize;
    const size_t end = whole_header
                           ? std::min(out.size(), at + kHeaderSize + (size_t{out[at + 3]} << 8 | out[at + 4]))
                           : out.size();
    if (!whole_header || out[at] != static_cast<uint8_t>(ContentType::kApplicationData)) {
      std::copy(out.begin() + static_cast<std::ptrdiff_t>(at), out.begin() + static_cast<std::ptrdiff_t>(end),
                out.begin() + static_cast<std::ptrdiff_t>(kept));
      kept += end - at;
    }
    at = end;
  }
  out.resize(kept);
}

}  // namespace

ServerHandshake::ServerHandshake(const ServerContext& context)
    : core_(context.initial_context(), /*server=*/true) {
  core_.callbacks().context = &context;
}

HandshakeStatus ServerHandshake::feed(std::span<const uint8_t> in, std::vector<uint8_t>& out) {
  if (refuse_legacy_version(in, out)) return core_.fail(HandshakeFailure::kUnsupportedVersion);
  if (!core_.accept_input(in)) return core_.status();
  const size_t out_start = out.size();
  const HandshakeStatus status = core_.run(out);
  if (status == HandshakeStatus::kFailed) return core_.fail(classify_failure());
  if (status != HandshakeStatus::kDone) return status;
  const char* name = SSL_get_servername(core_.ssl(), TLSEXT_NAMETYPE_host_name);
  sni_ = name != nullptr ? name : "";
  // The server's Finished went out in an earlier call (the client's Finished, which completed the
  // handshake, covers it), so every encrypted record of this call's output is under the application
  // keys: the TLS 1.3 NewSessionTickets OpenSSL sends immediately. TLS 1.2's Finished is sequence 0.
  const uint16_t limit = core_.callbacks().peer_record_size_limit;
  if (version() == TlsVersion::kTls13 && limit != 0) drop_tickets_over(out, out_start, limit);
  application_records_written_ =
      version() == TlsVersion::kTls13
          ? count_encrypted_records(std::span<const uint8_t>(out).subspan(out_start))
          : 1;
  return status;
}

// RFC 8446 §D.5: "Any endpoint receiving a Hello message with ClientHello.legacy_version ... set to 0x0300
// [or less] MUST abort the handshake with a protocol_version alert" — with or without supported_versions.
// True when the client's first record is such a ClientHello: the alert is in `out`.
bool ServerHandshake::refuse_legacy_version(std::span<const uint8_t> in, std::vector<uint8_t>& out) {
  if (hello_have_ >= kHelloHead || core_.status() != HandshakeStatus::kInProgress) return false;
  const size_t n = std::min(kHelloHead - hello_have_, in.size());
  std::copy_n(in.begin(), n, hello_head_.begin() + hello_have_);
  hello_have_ = static_cast<uint8_t>(hello_have_ + n);
  if (hello_have_ < kHelloHead) return false;
  const uint8_t* h = hello_head_.data();
  const size_t record_length = size_t{h[3]} << 8 | h[4];
  // Only when the version lies in the first record (a ClientHello may be cut into tiny records).
  const bool hello = h[0] == static_cast<uint8_t>(ContentType::kHandshake) && record_length >= 6 && h[5] == 1;
  const uint16_t legacy_version = static_cast<uint16_t>(h[9] << 8 | h[10]);
  if (!hello || legacy_version > 0x0300) return false;
  constexpr uint8_t kProtocolVersionAlert[] = {static_cast<uint8_t>(ContentType::kAlert),
                                               0x03,
                                               0x03,
                                               0x00,
                                               0x02,
                                               2 /* fatal */,
                                               70 /* protocol_version */};
  out.insert(out.end(), std::begin(kProtocolVersionAlert), std::end(kProtocolVersionAlert));
  return true;
}

HandshakeFailure ServerHandshake::classify_failure() const {
  if (core_.callbacks().alpn_refused) return HandshakeFailure::kNoApplicationProtocol;
  if (core_.callbacks().record_size_limit_refused)
    return HandshakeFailure::kProtocolError;  // illegal_parameter
  return classify_ssl_error();
}

bool ServerHandshake::take_keys(const KeyInstaller& installer, TrafficKeys& read, TrafficKeys& write,
                                TrafficSecrets& secrets, std::vector<uint8_t>& leftover) {
  if (!core_.hand_over(installer, read, write, secrets, leftover)) return false;
  read.sequence = version() == TlsVersion::kTls13 ? 0 : core_.callbacks().peer_protected_records;
  write.sequence = application_records_written_;  // 1 in TLS 1.2: our Finished
  // RFC 8449 §4: what we seal keeps to the client's limit; what we open, to the one we announced (the
  // protocol maximum, which the record layer enforces anyway).
  write.record_size_limit = core_.callbacks().peer_record_size_limit;
  read.record_size_limit = 0;
  return true;
}

}  // namespace tollgate::tls
