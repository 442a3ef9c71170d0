// The AEAD backend seam of the record layer: one interface, the crypto library behind it chosen once when
// an AeadEngine is built. Backends are siblings (aead_ipsec_mb.cc, aead_openssl.cc), each the only file
// that includes its library's headers; the record-layer tests run against every one of them, and any
// disagreement between them is a bug.
//
//   kIpsecMb  Intel ipsec-mb's job API: multi-buffer, interleaves the records of a batch. The dataplane's.
//   kOpenSsl  OpenSSL EVP, one record after the other: the reference the first is checked against.
//
// The engine calls a backend once per batch (run) and once per key installation (prepare_key), never per
// record: the virtual call is paid once for up to AeadEngine::kCapacity records.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

#include "engine/tls/cipher_suite.h"
#include "engine/tls/traffic_keys.h"

namespace tollgate::tls {

enum class AeadBackendKind : uint8_t {
  kIpsecMb,
  kOpenSsl,
};

using Nonce = std::array<uint8_t, kNonceSize>;

enum class AeadStatus : uint8_t {
  kPending,  // queued, run() not called yet
  kOk,       // sealed, or opened with a matching tag
  kBadTag,   // open: the tag did not verify; the destination bytes were wiped
  kRefused,  // the backend rejected the operation (invalid arguments): a bug on our side, never the peer's
};

// The longest AAD the record layer builds: TLS 1.2's seq || type || version || length.
inline constexpr size_t kMaxAadSize = 13;

// One queued AEAD operation, as the engine hands it to the backend.
struct AeadOp {
  const TrafficKeys* keys;
  const uint8_t* src;  // never null, even for length 0
  uint8_t* dst;        // likewise; may equal src (in place)
  size_t length;
  uint8_t* tag_out;       // seal: where the tag goes; open: computed_tag below
  const uint8_t* tag_in;  // open: the received tag
  Nonce nonce;
  std::array<uint8_t, kMaxAadSize> aad;
  uint8_t aad_size;
  bool seal;
  AeadStatus status;
  std::array<uint8_t, kTagSize> computed_tag;  // open: scratch for a backend that computes the tag to compare
};

class AeadBackend {
 public:
  virtual ~AeadBackend() = default;
  // Puts `key` (key_size(suite) bytes, checked by the caller) into keys.material in this backend's form.
  virtual void prepare_key(TrafficKeys& keys, CipherSuite suite, std::span<const uint8_t> key) const = 0;
  // Runs every operation and sets its status (kOk, kBadTag or kRefused). Opens that fail may leave
  // unauthenticated bytes in dst: the engine wipes them.
  virtual void run(std::span<AeadOp> ops) = 0;
  // The code path in use ("AVX512", "SSE", "openssl-evp", ...), for logs and benchmarks.
  virtual const char* name() const = 0;
};

// Each made once per AeadEngine, at its construction. Failure (no memory, a CPU below the backend's
// minimum instruction set) is reported on stderr and aborts: at startup.
std::unique_ptr<AeadBackend> make_ipsec_mb_backend();
std::unique_ptr<AeadBackend> make_openssl_backend();

}  // namespace tollgate::tls
