#include "engine/tls/handshake_callbacks.h"

#include <openssl/crypto.h>
#include <openssl/ssl.h>

#include <array>
#include <cstring>
#include <span>
#include <string_view>

#include "engine/tls/server_context.h"

namespace tollgate::tls {
namespace {

constexpr std::string_view kHttp11 = "http/1.1";

// ClientHello callback: runs first for every ClientHello, the one after a HelloRetryRequest included.
int count_client_hello(SSL* ssl, int* /*alert*/, void* /*arg*/) {
  if (HandshakeCallbackState* state = callback_state(ssl); state != nullptr && state->client_hellos < 255)
    ++state->client_hellos;
  return SSL_CLIENT_HELLO_SUCCESS;
}

// Servername callback: runs while the ClientHello is processed, before the certificate is chosen.
int select_certificate(SSL* ssl, int* /*alert*/, void* /*arg*/) {
  const HandshakeCallbackState* state = callback_state(ssl);
  const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  if (state == nullptr || name == nullptr) return SSL_TLSEXT_ERR_OK;  // no SNI: the default certificate
  SSL_CTX* ctx = state->context->context_for(name);
  if (ctx != SSL_get_SSL_CTX(ssl) && SSL_set_SSL_CTX(ssl, ctx) == nullptr) return SSL_TLSEXT_ERR_ALERT_FATAL;
  return SSL_TLSEXT_ERR_OK;
}

// RFC 7301 §3.2: we speak HTTP/1.1 only. A client offering ALPN without it gets no_application_protocol
// (OpenSSL sends that alert for SSL_TLSEXT_ERR_ALERT_FATAL); a client offering none is served anyway.
int select_alpn(SSL* ssl, const unsigned char** out, unsigned char* out_length, const unsigned char* in,
                unsigned int in_length, void* /*arg*/) {
  // `in` is the ProtocolNameList without its length: (length byte, name) pairs.
  for (unsigned int i = 0; i < in_length;) {
    const unsigned int length = in[i];
    if (i + 1 + length > in_length) break;
    if (std::string_view(reinterpret_cast<const char*>(in + i + 1), length) == kHttp11) {
      *out = in + i + 1;
      *out_length = static_cast<unsigned char>(length);
      return SSL_TLSEXT_ERR_OK;
    }
    i += 1 + length;
  }
  if (HandshakeCallbackState* state = callback_state(ssl)) state->alpn_refused = true;
  return SSL_TLSEXT_ERR_ALERT_FATAL;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes exactly `out.size()` bytes of hex from the start of `hex`; false on a bad digit or short input.
bool decode_hex(std::string_view hex, std::span<uint8_t> out) {
  if (hex.size() < 2 * out.size()) return false;
  for (size_t i = 0; i < out.size(); ++i) {
    const int hi = hex_value(hex[2 * i]);
    const int lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<uint8_t>(hi << 4 | lo);
  }
  return true;
}

// Keylog callback, NSS key log format: "<LABEL> <client_random hex> <secret hex>". OpenSSL 3.0 has no
// other way to hand out TLS 1.3 traffic secrets. The line is OpenSSL's, which wipes it after we return.
void capture_secret(const SSL* ssl, const char* line) {
  HandshakeCallbackState* state = callback_state(ssl);
  if (state == nullptr) return;
  const std::string_view text(line);
  const size_t first_space = text.find(' ');
  if (first_space == std::string_view::npos) return;
  const std::string_view label = text.substr(0, first_space);
  // The peer's secret is what we read with: the client's on the server side, the server's on the client's.
  const bool server = SSL_is_server(ssl) == 1;
  const std::string_view peer_label = server ? "CLIENT_TRAFFIC_SECRET_0" : "SERVER_TRAFFIC_SECRET_0";
  const std::string_view own_label = server ? "SERVER_TRAFFIC_SECRET_0" : "CLIENT_TRAFFIC_SECRET_0";
  const bool read = label == peer_label;
  if (!read && label != own_label) return;  // handshake secrets, TLS 1.2 CLIENT_RANDOM, ...

  // The line must be about this connection's handshake: its client random.
  const std::string_view rest = text.substr(first_space + 1);
  std::array<uint8_t, SSL3_RANDOM_SIZE> logged_random, client_random;
  if (rest.size() < 2 * SSL3_RANDOM_SIZE + 1 || rest[2 * SSL3_RANDOM_SIZE] != ' ' ||
      !decode_hex(rest, logged_random) ||
      SSL_get_client_random(ssl, client_random.data(), client_random.size()) != client_random.size() ||
      logged_random != client_random) {
    return;
  }
  const std::string_view secret_hex = rest.substr(2 * SSL3_RANDOM_SIZE + 1);
  const size_t length = secret_hex.size() / 2;
  if (secret_hex.size() % 2 != 0 || (length != 32 && length != 48)) return;
  auto& secret = read ? state->secrets.read : state->secrets.write;
  if (!decode_hex(secret_hex, std::span<uint8_t>(secret.data(), length))) return;
  state->secrets.length = static_cast<uint8_t>(length);
  (read ? state->have_read_secret : state->have_write_secret) = true;
}

}  // namespace

void install_handshake_callbacks(SSL_CTX* ctx) {
  SSL_CTX_set_client_hello_cb(ctx, count_client_hello, nullptr);
  SSL_CTX_set_tlsext_servername_callback(ctx, select_certificate);
  SSL_CTX_set_alpn_select_cb(ctx, select_alpn, nullptr);
  install_secret_capture(ctx);
}

void install_secret_capture(SSL_CTX* ctx) {
  SSL_CTX_set_keylog_callback(ctx, capture_secret);
}

void attach_callback_state(SSL* ssl, HandshakeCallbackState* state) {
  SSL_set_app_data(ssl, state);
}

HandshakeCallbackState* callback_state(const SSL* ssl) {
  return static_cast<HandshakeCallbackState*>(SSL_get_app_data(ssl));
}

}  // namespace tollgate::tls
