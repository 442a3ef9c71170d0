#include "engine/tls/post_handshake.h"

#include <algorithm>

#include "engine/tls/wire_numbers.h"

namespace tollgate::tls {
namespace {

using namespace wire;

// The longest NewSessionTicket its fields allow (RFC 8446 §4.6.1): lifetime, age_add, nonce<0..255>,
// ticket<1..2^16-1>, extensions<0..2^16-2>. Longer is decode_error, not something to skip.
constexpr uint32_t kMaxTicketMessage = 4 + 4 + (1 + 255) + (2 + 65535) + (2 + 65534);

}  // namespace

void PostHandshakeReader::reset(TlsVersion version, bool server) {
  header_have_ = 0;
  body_left_ = 0;
  version_ = version;
  server_ = server;
}

uint8_t PostHandshakeReader::begin_message() {
  const uint8_t type = header_[0];
  body_left_ = uint32_t{header_[1]} << 16 | uint32_t{header_[2]} << 8 | header_[3];
  if (version_ == TlsVersion::kTls13) {
    if (type == kKeyUpdate) return body_left_ == 1 ? 0 : kDecodeError;
    if (type == kNewSessionTicket && !server_) return body_left_ <= kMaxTicketMessage ? 0 : kDecodeError;
    return kUnexpectedMessage;  // a ClientHello after a TLS 1.3 handshake too (RFC 8446 §4.1.2)
  }
  if (type == kClientHello && server_) return 0;
  if (type == kHelloRequest && !server_) return body_left_ == 0 ? 0 : kDecodeError;
  return kUnexpectedMessage;
}

PostHandshakeEvent PostHandshakeReader::read(std::span<const uint8_t> content) {
  PostHandshakeEvent e;
  if (content.empty()) {
    e.alert = kUnexpectedMessage;
    return e;
  }
  while (!content.empty() || (header_have_ == 4 && body_left_ == 0)) {
    if (header_have_ < 4) {
      const size_t n = std::min<size_t>(4 - header_have_, content.size());
      std::copy_n(content.begin(), n, header_ + header_have_);
      header_have_ = static_cast<uint8_t>(header_have_ + n);
      content = content.subspan(n);
      if (header_have_ < 4) break;
      e.alert = begin_message();
      if (e.alert != 0) return e;
      continue;
    }
    if (header_[0] == kKeyUpdate && version_ == TlsVersion::kTls13) {
      const uint8_t request = content[0];
      if (request > 1) {
        e.alert = kIllegalParameter;
        return e;
      }
      // The keys change after it: nothing may follow in the same record (RFC 8446 §5.1).
      if (content.size() > 1) {
        e.alert = kUnexpectedMessage;
        return e;
      }
      header_have_ = 0;
      ++e.messages;
      e.key_update = static_cast<int8_t>(request);
      return e;
    }
    const auto n = static_cast<uint32_t>(std::min<size_t>(body_left_, content.size()));
    body_left_ -= n;
    content = content.subspan(n);
    if (body_left_ > 0) break;
    // A message we skip is complete.
    header_have_ = 0;
    ++e.messages;
    if (header_[0] == kNewSessionTicket) {
      ++e.tickets;
    } else {
      ++e.renegotiations;
    }
  }
  return e;
}

}  // namespace tollgate::tls
