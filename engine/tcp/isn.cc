#include "engine/tcp/isn.h"

namespace tollgate::tcp {
namespace {

constexpr uint64_t kIsnTickUs =
    4;  // RFC 6528 §3: M is "a timer that ... is incremented every 4 microseconds"

}  // namespace

uint32_t IsnGenerator::generate(const Tuple& t, uint64_t now_us) {
  const auto m = static_cast<uint32_t>(now_us / kIsnTickUs);
  const auto f =
      static_cast<uint32_t>(hash_.hash_tuple(t.local_ip, t.local_port, t.remote_ip, t.remote_port, 0));
  return m + f;
}

}  // namespace tollgate::tcp
