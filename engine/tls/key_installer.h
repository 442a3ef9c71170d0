// Where the handshake library hands a connection's record keys over: plain key and IV bytes, as the key
// schedule derived them, for the record layer to put into the form its AEAD backend works with. The
// handshake library (OpenSSL) defines this interface and the record layer (AeadEngine) implements it, so
// the handshake, the certificate code and everything that links only them (control plane, tollgatectl)
// never pull in the record layer's crypto library. Called once per direction per hand-over or KeyUpdate,
// never per record.
#pragma once

#include <cstdint>
#include <span>

#include "engine/tls/cipher_suite.h"
#include "engine/tls/traffic_keys.h"

namespace tollgate::tls {

class KeyInstaller {
 public:
  // Checks key and IV lengths for version and suite, prepares the key for the backend, and sets the
  // sequence number to 0. Returns false, leaving `keys` not installed, on a length mismatch.
  virtual bool install(TrafficKeys& keys, TlsVersion version, CipherSuite suite, std::span<const uint8_t> key,
                       std::span<const uint8_t> iv) const = 0;
  // Wipes the key material (OPENSSL_cleanse) and marks `keys` not installed; any backend's keys.
  static void erase(TrafficKeys& keys);

 protected:
  ~KeyInstaller() = default;
};

}  // namespace tollgate::tls
