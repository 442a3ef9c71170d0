// Client-side pieces the TLS tests share to look at a handshake from an OpenSSL client: the
// record_size_limit extension (RFC 8449), which OpenSSL 3.0 lacks, offered through its custom extension
// API with the server's answer recorded; a count of the ClientHellos sent (two after a
// HelloRetryRequest); and the alerts received.
#pragma once

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <array>
#include <cstdint>
#include <vector>

#include "engine/tls/record_types.h"

namespace tollgate::tls::testing {

struct ClientProbes {
  std::array<uint8_t, 2> offered{};  // our RecordSizeLimit, big-endian
  uint16_t server_limit = 0;         // the server's record_size_limit, 0 when it sent none
  unsigned server_limit_in = 0;      // the message it came in (SSL_EXT_*)
  int client_hellos = 0;
  std::vector<std::array<uint8_t, 2>> alerts;  // received: level, description

  // Offers `limit` in every ClientHello of `ctx`'s connections. `this` must outlive them.
  void offer_record_size_limit(SSL_CTX* ctx, uint16_t limit) {
    offered = {static_cast<uint8_t>(limit >> 8), static_cast<uint8_t>(limit)};
    EXPECT_EQ(SSL_CTX_add_custom_ext(
                  ctx, kRecordSizeLimitExtension,
                  SSL_EXT_CLIENT_HELLO | SSL_EXT_TLS1_3_ENCRYPTED_EXTENSIONS | SSL_EXT_TLS1_2_SERVER_HELLO,
                  [](SSL*, unsigned, unsigned context, const unsigned char** out, size_t* size, X509*, size_t,
                     int*, void* arg) {
                    if (context != SSL_EXT_CLIENT_HELLO) return 0;
                    *out = static_cast<ClientProbes*>(arg)->offered.data();
                    *size = 2;
                    return 1;
                  },
                  nullptr, this,
                  [](SSL*, unsigned, unsigned context, const unsigned char* data, size_t size, X509*, size_t,
                     int*, void* arg) {
                    auto* self = static_cast<ClientProbes*>(arg);
                    if (size == 2) self->server_limit = static_cast<uint16_t>(data[0] << 8 | data[1]);
                    self->server_limit_in = context;
                    return 1;
                  },
                  this),
              1);
  }

  // The description of the last alert received, or -1.
  int last_alert() const { return alerts.empty() ? -1 : alerts.back()[1]; }

  // Counts the ClientHellos `ssl` sends and records the alerts it receives (its message callback). `this`
  // must outlive it.
  void count_client_hellos(SSL* ssl) {
    SSL_set_msg_callback(
        ssl, [](int write_p, int, int content_type, const void* buf, size_t len, SSL*, void* arg) {
          if (write_p == 1 && content_type == SSL3_RT_HANDSHAKE && len > 0 &&
              static_cast<const uint8_t*>(buf)[0] == SSL3_MT_CLIENT_HELLO)
            ++static_cast<ClientProbes*>(arg)->client_hellos;
          const auto* bytes = static_cast<const uint8_t*>(buf);
          if (write_p == 0 && content_type == SSL3_RT_ALERT && len == 2)
            static_cast<ClientProbes*>(arg)->alerts.push_back({bytes[0], bytes[1]});
        });
    SSL_set_msg_callback_arg(ssl, this);
  }
};

}  // namespace tollgate::tls::testing
