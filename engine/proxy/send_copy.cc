#include "engine/proxy/send_copy.h"

namespace tollgate::proxy {

CopyResult send_copy(tcp::TcpStack& stack, tcp::Connection& c, std::span<const uint8_t> bytes,
                     uint64_t now_us) {
  return copy_in_pieces(stack.buffers(), bytes,
                        [&](tcp::PacketRef p, uint32_t n) { return stack.write(c, p, 0, n, now_us); });
}

}  // namespace tollgate::proxy
