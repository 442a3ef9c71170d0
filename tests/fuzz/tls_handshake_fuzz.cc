// Arbitrary bytes from a "client" into ServerHandshake, cut into pieces whose sizes come from the input
// itself, so the fuzzer also controls how records split across feed() calls. Whatever OpenSSL makes of
// them, the handshake must end in kInProgress or kFailed without a crash, leak or undefined behaviour
// (a real client's Finished cannot be forged, so kDone is not expected).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "engine/tls/server_context.h"
#include "engine/tls/server_handshake.h"
#include "tests/unit/tls/test_certificates.h"

namespace {

using namespace tollgate::tls;

// One ECDSA certificate, made at start-up into a temporary directory (removed again once loaded: the
// context holds everything it needs).
const ServerContext* context() {
  static const std::unique_ptr<ServerContext> ctx = [] {
    char dir[] = "/tmp/tollgate-handshake-fuzz-XXXXXX";
    if (mkdtemp(dir) == nullptr) return std::unique_ptr<ServerContext>();
    const CertificateFiles files = testing::make_certificate(dir, "fuzz", testing::KeyType::kEcdsaP256,
                                                             "fuzz", "DNS:fuzz.tollgate.test");
    std::string error;
    auto created = ServerContext::create({files}, SecurityPolicy::kDefault, error);
    std::filesystem::remove_all(dir);
    return created;
  }();
  return ctx.get();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const ServerContext* ctx = context();
  if (ctx == nullptr) return 0;
  ServerHandshake handshake(*ctx);
  std::vector<uint8_t> out;
  std::span<const uint8_t> input(data, size);
  while (!input.empty()) {
    const size_t piece = std::min<size_t>(input.size(), 1 + input[0] * 8u);
    if (handshake.feed(input.first(piece), out) == HandshakeStatus::kFailed) break;
    input = input.subspan(piece);
  }
  return 0;
}
