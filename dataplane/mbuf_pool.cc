#include "dataplane/mbuf_pool.h"

#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_mbuf_pool_ops.h>
#include <rte_mempool.h>
#include <rte_memzone.h>

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>

namespace tollgate::dataplane {

namespace {

struct Span {
  uintptr_t first = UINTPTR_MAX;  // the first chunk in the pool's list (the PMD's UMEM base)
  uintptr_t low = UINTPTR_MAX;
  uintptr_t high = 0;
  uint32_t chunks = 0;
};

void visit_chunk(rte_mempool*, void* opaque, rte_mempool_memhdr* memhdr, unsigned) {
  auto* s = static_cast<Span*>(opaque);
  if (s->chunks++ == 0) s->first = reinterpret_cast<uintptr_t>(memhdr->addr);
}

// Objects, not chunks: a chunk's tail past the last object is never handed to the kernel.
void visit_object(rte_mempool* mp, void* opaque, void* object, unsigned) {
  auto* s = static_cast<Span*>(opaque);
  const uintptr_t start = reinterpret_cast<uintptr_t>(object) - mp->header_size;
  s->low = std::min(s->low, start);
  s->high = std::max(s->high, start + mp->header_size + mp->elt_size + mp->trailer_size);
}

void free_memzone(rte_mempool_memhdr*, void* memzone) {
  rte_memzone_free(static_cast<const rte_memzone*>(memzone));
}

}  // namespace

MbufPoolLayout mbuf_pool_layout(const rte_mempool* pool) {
  auto* mp = const_cast<rte_mempool*>(pool);  // the iterator takes a non-const pool but only reads it
  Span s;
  rte_mempool_mem_iter(mp, visit_chunk, &s);
  rte_mempool_obj_iter(mp, visit_object, &s);
  MbufPoolLayout layout;
  layout.chunks = s.chunks;
  layout.object_stride = rte_mempool_calc_obj_size(mp->elt_size, mp->flags, nullptr);
  if (s.chunks == 0) return layout;
  const uintptr_t page = static_cast<uintptr_t>(getpagesize());
  const uintptr_t base = s.first & ~(page - 1);
  layout.umem_bytes = uint64_t{mp->populated_size} * layout.object_stride + (s.first - base);
  layout.span_bytes = s.high - std::min(base, s.low);
  return layout;
}

rte_mempool* create_mbuf_pool(const char* name, uint32_t mbufs, int socket, MbufPoolKind kind,
                              std::string& error) {
  const uint16_t data_room = RTE_MBUF_DEFAULT_BUF_SIZE;
  const unsigned cache = 256;
  if (kind == MbufPoolKind::kDeviceDma) {
    rte_mempool* mp = rte_pktmbuf_pool_create(name, mbufs, cache, 0, data_room, socket);
    if (!mp) error = fmt::format("mbuf pool: {}", rte_strerror(rte_errno));
    return mp;
  }
  // No device DMAs into these buffers, so objects need no IOVA contiguity and may straddle pages: they
  // are packed at exactly one stride, the layout the AF_XDP UMEM assumes.
  rte_mempool* mp =
      rte_mempool_create_empty(name, mbufs, sizeof(rte_mbuf) + data_room, cache,
                               sizeof(rte_pktmbuf_pool_private), socket, RTE_MEMPOOL_F_NO_IOVA_CONTIG);
  if (!mp) {
    error = fmt::format("mbuf pool: {}", rte_strerror(rte_errno));
    return nullptr;
  }
  if (rte_mempool_set_ops_byname(mp, rte_mbuf_best_mempool_ops(), nullptr) != 0) {
    error = "mbuf pool: no mempool ops";
    rte_mempool_free(mp);
    return nullptr;
  }
  rte_pktmbuf_pool_private priv{};
  priv.mbuf_data_room_size = data_room;
  priv.mbuf_priv_size = 0;
  rte_pktmbuf_pool_init(mp, &priv);

  const uint64_t stride = rte_mempool_calc_obj_size(mp->elt_size, mp->flags, nullptr);
  const size_t bytes = static_cast<size_t>(uint64_t{mbufs} * stride + RTE_CACHE_LINE_SIZE);
  const rte_memzone* mz =
      rte_memzone_reserve_aligned(fmt::format("{}_mem", name).c_str(), bytes, socket, 0, RTE_CACHE_LINE_SIZE);
  if (!mz) {
    error = fmt::format("mbuf pool: {} MiB in one piece: {} (raise [dataplane] memory_mb or lower mbufs)",
                        bytes >> 20, rte_strerror(rte_errno));
    rte_mempool_free(mp);
    return nullptr;
  }
  const int added = rte_mempool_populate_iova(mp, static_cast<char*>(mz->addr), RTE_BAD_IOVA, mz->len,
                                              free_memzone, const_cast<rte_memzone*>(mz));
  if (added < 0) rte_memzone_free(mz);
  if (added < 0 || static_cast<uint32_t>(added) != mbufs) {
    error = fmt::format("mbuf pool: placed {} of {} mbufs in one area", added, mbufs);
    rte_mempool_free(mp);
    return nullptr;
  }
  rte_mempool_obj_iter(mp, rte_pktmbuf_init, nullptr);

  const MbufPoolLayout layout = mbuf_pool_layout(mp);
  if (layout.chunks != 1 || layout.span_bytes > layout.umem_bytes) {
    error = fmt::format("mbuf pool: {} area(s) spanning {} bytes where AF_XDP expects {}", layout.chunks,
                        layout.span_bytes, layout.umem_bytes);
    rte_mempool_free(mp);
    return nullptr;
  }
  return mp;
}

}  // namespace tollgate::dataplane
