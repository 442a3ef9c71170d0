#include "dataplane/steering_fabric.h"

#include <fmt/format.h>
#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "engine/common/log.h"

namespace tollgate::dataplane {

bool SteeringFabric::create(uint16_t workers, uint32_t ring_size, int socket) {
  workers_ = workers;
  packets_.assign(size_t{workers} * workers, nullptr);
  neighbours_.assign(size_t{workers} * workers, nullptr);
  if (workers < 2) return true;
  constexpr unsigned kFlags = RING_F_SP_ENQ | RING_F_SC_DEQ;
  for (uint16_t from = 0; from < workers; ++from) {
    for (uint16_t to = 0; to < workers; ++to) {
      if (from == to) continue;
      const size_t i = size_t{from} * workers + to;
      packets_[i] = rte_ring_create(fmt::format("steer_{}_{}", from, to).c_str(), ring_size, socket, kFlags);
      neighbours_[i] = rte_ring_create_elem(fmt::format("neigh_{}_{}", from, to).c_str(),
                                            sizeof(NeighbourUpdate), 256, socket, kFlags);
      if (!packets_[i] || !neighbours_[i]) {
        log_error("steering ring {}->{}: {}", from, to, rte_strerror(rte_errno));
        return false;
      }
    }
  }
  return true;
}

SteeringFabric::~SteeringFabric() {
  for (rte_ring* r : packets_) {
    if (!r) continue;
    void* m = nullptr;
    while (rte_ring_dequeue(r, &m) == 0) rte_pktmbuf_free(static_cast<rte_mbuf*>(m));
    rte_ring_free(r);
  }
  for (rte_ring* r : neighbours_) rte_ring_free(r);
}

}  // namespace tollgate::dataplane
