#include "engine/proxy/send_copy.h"

#include <algorithm>
#include <cstring>

namespace tollgate::proxy {

CopyResult send_copy(tcp::TcpStack& stack, tcp::Connection& c, std::span<const uint8_t> bytes,
                     uint64_t now_us) {
  const tcp::BufferOps& ops = stack.buffers();
  while (!bytes.empty()) {
    const uint32_t n = std::min<uint32_t>(static_cast<uint32_t>(bytes.size()), piece_size(ops));
    uint8_t* data = nullptr;
    tcp::PacketRef p = ops.make(n, &data);
    if (!p) return CopyResult::kNoBuffer;
    std::memcpy(data, bytes.data(), n);
    const bool ok = stack.write(c, p, 0, n, now_us);
    ops.drop(p);
    if (!ok) return CopyResult::kRefused;
    bytes = bytes.subspan(n);
  }
  return CopyResult::kOk;
}

}  // namespace tollgate::proxy
