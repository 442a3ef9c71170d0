#include "engine/tls/record_size_limit.h"

#include <openssl/ssl.h>

#include <algorithm>
#include <cstdint>

#include "engine/common/byte_order.h"
#include "engine/tls/handshake_callbacks.h"
#include "engine/tls/record_types.h"

namespace tollgate::tls {
namespace {

// OpenSSL's smallest max_send_fragment (SSL_set_max_send_fragment refuses less).
constexpr unsigned kOpenSslMinFragment = 512;

constexpr unsigned kContexts =
    SSL_EXT_CLIENT_HELLO | SSL_EXT_TLS1_3_ENCRYPTED_EXTENSIONS | SSL_EXT_TLS1_2_SERVER_HELLO;

// ClientHello: uint16 RecordSizeLimit (RFC 8449 §4). After a HelloRetryRequest the second ClientHello
// is parsed again and its value counts.
int parse_limit(SSL* ssl, unsigned int /*type*/, unsigned int context, const unsigned char* data, size_t size,
                X509* /*x*/, size_t /*chain_index*/, int* alert, void* /*arg*/) {
  if (context != SSL_EXT_CLIENT_HELLO) return 1;  // we only register to receive it in the ClientHello
  HandshakeCallbackState* state = callback_state(ssl);
  if (state == nullptr) return 1;
  if (size != 2) {
    *alert = SSL_AD_DECODE_ERROR;
    return 0;
  }
  const uint16_t limit = load_be16(data);
  if (limit < kMinRecordSizeLimit) {
    // RFC 8449 §4: "An endpoint MUST treat receipt of a smaller value as a fatal error and generate an
    // illegal_parameter alert."
    state->record_size_limit_refused = true;
    *alert = SSL_AD_ILLEGAL_PARAMETER;
    return 0;
  }
  state->peer_record_size_limit = limit;
  // The version is chosen before extensions are parsed. In TLS 1.3 OpenSSL protects its own flight and
  // tickets with our handshake and application keys: cut them to the limit as far as OpenSSL allows.
  if (SSL_version(ssl) == TLS1_3_VERSION) {
    const unsigned content = std::min<unsigned>(limit, kTls13RecordSizeLimit) - 1;
    SSL_set_max_send_fragment(ssl, std::max(content, kOpenSslMinFragment));
  }
  return 1;
}

// EncryptedExtensions (TLS 1.3) or ServerHello (TLS 1.2): OpenSSL calls this only when the client sent
// the extension. Our limit is the protocol's maximum (RFC 8449 §4: 2^14 + 1 in TLS 1.3, 2^14 before).
int add_limit(SSL* /*ssl*/, unsigned int /*type*/, unsigned int context, const unsigned char** out,
              size_t* out_size, X509* /*x*/, size_t /*chain_index*/, int* /*alert*/, void* /*arg*/) {
  static constexpr unsigned char kTls13[2] = {kTls13RecordSizeLimit >> 8, kTls13RecordSizeLimit & 0xff};
  static constexpr unsigned char kTls12[2] = {kTls12RecordSizeLimit >> 8, kTls12RecordSizeLimit & 0xff};
  if (context == SSL_EXT_TLS1_3_ENCRYPTED_EXTENSIONS) {
    *out = kTls13;
  } else if (context == SSL_EXT_TLS1_2_SERVER_HELLO) {
    *out = kTls12;
  } else {
    return 0;  // nothing to add in any other message
  }
  *out_size = 2;
  return 1;
}

}  // namespace

bool install_record_size_limit(SSL_CTX* ctx) {
  // The answers are static: no free callback.
  return SSL_CTX_add_custom_ext(ctx, kRecordSizeLimitExtension, kContexts, add_limit, nullptr, nullptr,
                                parse_limit, nullptr) == 1;
}

}  // namespace tollgate::tls
