#include "dataplane/mbuf_buffers.h"

#include <rte_mbuf.h>

namespace tollgate::dataplane {

tcp::BufferOps mbuf_buffer_ops(const BufferPools* pools) {
  tcp::BufferOps ops;
  ops.ctx = const_cast<BufferPools*>(pools);
  ops.retain = [](void*, tcp::PacketRef p) { rte_mbuf_refcnt_update(static_cast<rte_mbuf*>(p), 1); };
  ops.release = [](void*, tcp::PacketRef p) { rte_pktmbuf_free(static_cast<rte_mbuf*>(p)); };
  ops.bytes = [](void*, tcp::PacketRef p) {
    auto* m = static_cast<rte_mbuf*>(p);
    return std::span<const uint8_t>(rte_pktmbuf_mtod(m, const uint8_t*), m->data_len);
  };
  ops.allocate = [](void* ctx, uint32_t length, uint8_t** data) -> tcp::PacketRef {
    const auto* p = static_cast<const BufferPools*>(ctx);
    rte_mempool* pool = length <= RTE_MBUF_DEFAULT_DATAROOM ? p->packets : p->records;
    if (!pool) return nullptr;
    rte_mbuf* m = rte_pktmbuf_alloc(pool);
    if (!m) return nullptr;
    *data = reinterpret_cast<uint8_t*>(rte_pktmbuf_append(m, static_cast<uint16_t>(length)));
    if (!*data) {
      rte_pktmbuf_free(m);
      return nullptr;
    }
    return m;
  };
  ops.packet_allocation = RTE_MBUF_DEFAULT_DATAROOM;
  ops.max_allocation = pools->records ? rte_pktmbuf_data_room_size(pools->records) - RTE_PKTMBUF_HEADROOM
                                      : RTE_MBUF_DEFAULT_DATAROOM;
  return ops;
}

}  // namespace tollgate::dataplane
