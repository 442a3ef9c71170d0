#include "controlplane/stats_labels.h"

#include "engine/tls/handshake_types.h"

namespace tollgate::controlplane {

std::map<std::string, uint64_t> tls_failures_by_reason(const shm::EntityTotals<shm::ListenerCounter>& t) {
  std::map<std::string, uint64_t> out;
  for (size_t r = 0; r < shm::kTlsFailureReasons; ++r) {
    if (const uint64_t n = t[shm::tls_failure_counter(r)]) {
      out[tls::failure_name(static_cast<tls::HandshakeFailure>(r))] += n;
    }
  }
  return out;
}

}  // namespace tollgate::controlplane
