// The rings between worker cores: one single-producer/single-consumer ring per ordered pair of cores for
// packets that arrived on the wrong core, and one for neighbour (ARP) updates, which every core needs
// because each keeps its own table.
#pragma once

#include <cstdint>
#include <vector>

struct rte_ring;

namespace tollgate::dataplane {

// 12 bytes: rte_ring element sizes must be multiples of 4.
struct NeighbourUpdate {
  uint32_t ip;  // host order
  uint8_t mac[6];
  uint8_t port_index;  // index into the worker's port list
  uint8_t create;      // RFC 826 merge flag
};
static_assert(sizeof(NeighbourUpdate) == 12);

class SteeringFabric {
 public:
  SteeringFabric() = default;
  SteeringFabric(const SteeringFabric&) = delete;
  SteeringFabric& operator=(const SteeringFabric&) = delete;
  ~SteeringFabric();

  // No rings at all for one worker.
  bool create(uint16_t workers, uint32_t ring_size, int socket);

  uint16_t workers() const { return workers_; }
  rte_ring* packets(uint16_t from, uint16_t to) const { return packets_[from * workers_ + to]; }
  rte_ring* neighbours(uint16_t from, uint16_t to) const { return neighbours_[from * workers_ + to]; }

 private:
  uint16_t workers_ = 0;
  std::vector<rte_ring*> packets_;
  std::vector<rte_ring*> neighbours_;
};

}  // namespace tollgate::dataplane
