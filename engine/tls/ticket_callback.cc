#include "engine/tls/ticket_callback.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include <cstring>
#include <span>

#include "engine/tls/handshake_callbacks.h"
#include "engine/tls/server_context.h"
#include "engine/tls/ticket_keys.h"

namespace tollgate::tls {
namespace {

// The return values OpenSSL gives meaning to (SSL_CTX_set_tlsext_ticket_key_evp_cb(3)).
constexpr int kError = -1;       // abort the handshake
constexpr int kNoKey = 0;        // decrypt: unknown key name, do a full handshake
constexpr int kKeySet = 1;       // the contexts are ready
constexpr int kKeySetRenew = 2;  // decrypt: ready, and issue the client a ticket under the current key

bool set_hmac_key(EVP_MAC_CTX* mac, const TicketKey& key) {
  static char digest[] = "SHA256";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY, const_cast<uint8_t*>(key.hmac_key.data()),
                                        key.hmac_key.size()),
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_end(),
  };
  return EVP_MAC_CTX_set_params(mac, params) == 1;
}

// RFC 5077 §4 format as OpenSSL lays it out: key_name (16) ‖ IV ‖ AES-256-CBC(session) ‖ HMAC-SHA256 over
// all before it. OpenSSL does the framing; this picks the key and fills the IV when encrypting.
int ticket_key(SSL* ssl, unsigned char key_name[16], unsigned char iv[EVP_MAX_IV_LENGTH],
               EVP_CIPHER_CTX* cipher, EVP_MAC_CTX* mac, int encrypt) {
  const HandshakeCallbackState* state = callback_state(ssl);
  const TicketKeyRing* ring = state != nullptr ? state->context->ticket_keys() : nullptr;
  if (ring == nullptr) return encrypt != 0 ? kError : kNoKey;
  static_assert(EVP_MAX_IV_LENGTH >= 16, "AES-CBC's IV is one block");
  TicketKey key;
  int result = kError;
  if (encrypt != 0) {
    ring->current(key);
    std::memcpy(key_name, key.name.data(), key.name.size());
    if (RAND_bytes(iv, 16) == 1 &&
        EVP_EncryptInit_ex(cipher, EVP_aes_256_cbc(), nullptr, key.aes_key.data(), iv) == 1 &&
        set_hmac_key(mac, key)) {
      result = kKeySet;
    }
  } else {
    const TicketKeyRing::Match match = ring->find(std::span<const uint8_t, 16>(key_name, 16), key);
    if (match == TicketKeyRing::Match::kNone) {
      result = kNoKey;
    } else if (EVP_DecryptInit_ex(cipher, EVP_aes_256_cbc(), nullptr, key.aes_key.data(), iv) == 1 &&
               set_hmac_key(mac, key)) {
      // TLS 1.2 keeps a ticket under the current key (RFC 5077 §3.3: no new ticket needed). TLS 1.3 always
      // gets a fresh one: a client should use a ticket once (RFC 8446 §C.4, linkability), and that is
      // what OpenSSL does with its own keys; ServerHandshake counts the record.
      const bool renew = match == TicketKeyRing::Match::kPrevious || SSL_version(ssl) == TLS1_3_VERSION;
      result = renew ? kKeySetRenew : kKeySet;
    }
  }
  OPENSSL_cleanse(&key, sizeof(key));
  return result;
}

}  // namespace

void install_ticket_callback(SSL_CTX* ctx) {
  SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, ticket_key);
}

}  // namespace tollgate::tls
