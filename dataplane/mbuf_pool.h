// The dataplane's packet buffer pool.
#pragma once

#include <cstdint>
#include <string>

struct rte_mempool;

namespace tollgate::dataplane {

struct MbufPoolLayout {
  uint32_t chunks = 0;         // memory areas the pool's objects live in
  uint64_t object_stride = 0;  // header + mbuf + data room, as the mempool lays objects out
  uint64_t span_bytes = 0;     // from the UMEM base (first chunk, page-aligned) to the last object end
  uint64_t umem_bytes = 0;     // what an AF_XDP PMD registers: objects x stride from the first chunk
};

// The AF_XDP PMD registers the pool as one UMEM that starts at the first memory chunk and is exactly
// objects x stride long. A pool spread over several chunks leaves its last objects outside that UMEM:
// the kernel then rejects every frame the PMD sends from them (tx_invalid_descs), silently, and the port
// stops transmitting once traffic reaches those buffers. So the pool is built in one virtually
// contiguous area, and checked.
enum class MbufPoolKind : uint8_t {
  kPacked,     // virtual devices only (af_xdp, af_packet, ring...): one area, one stride, no IOVA needs
  kDeviceDma,  // PCI ports: DPDK's default layout (objects never straddle an IOVA page)
};

rte_mempool* create_mbuf_pool(const char* name, uint32_t mbufs, int socket, MbufPoolKind kind,
                              std::string& error);

MbufPoolLayout mbuf_pool_layout(const rte_mempool* pool);

}  // namespace tollgate::dataplane
