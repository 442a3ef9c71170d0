// An outgoing TCP segment as a frame: IPv4 and TCP headers with their checksums, and the payload copied
// from the connection's send queue. The Ethernet header is left for whoever resolves the next hop. Shared
// by every environment that puts the stack on a wire (the dataplane's workers, the load generator).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "engine/tcp/stack.h"

namespace tollgate::tcp {

// Bytes of the whole frame, Ethernet header included.
size_t segment_frame_size(const OutgoingSegment& s);

// Fills `frame` (segment_frame_size(s) bytes) from byte 14 on; `ops` reads the payload's buffers.
void write_segment_frame(std::span<uint8_t> frame, const OutgoingSegment& s, const BufferOps& ops,
                         uint16_t ip_id);

}  // namespace tollgate::tcp
