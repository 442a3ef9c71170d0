// mbufs as the TCP engine's packet buffers (tcp::BufferOps): a chunk holds a reference (the mbuf's
// refcount), payload offsets count from the start of the mbuf's data. Shared by the dataplane's workers and
// the load generator (bench/loadgen).
#pragma once

#include "engine/tcp/buffer.h"

struct rte_mempool;

namespace tollgate::dataplane {

// Buffers an application allocates: packet-sized from the packet pool, larger ones (TLS records up to
// 16 KiB) from the record pool, which exists only when a TLS listener does (null otherwise).
struct BufferPools {
  rte_mempool* packets = nullptr;
  rte_mempool* records = nullptr;
};

// `pools` must outlive the returned operations.
tcp::BufferOps mbuf_buffer_ops(const BufferPools* pools);

}  // namespace tollgate::dataplane
