// An HTTP body's framer as a splice framing step (splice.h). A step is tried on a copy of the framer and
// kept only once its bytes were written: bytes that could not be written (no buffer, no room) are framed
// again when they move, never counted twice, so a body cannot "end" before its last byte has gone out.
#pragma once

#include <span>

#include "engine/http/body_framer.h"
#include "engine/proxy/splice.h"

namespace tollgate::proxy {

class BodyFraming {
 public:
  // nullptr: no framing, everything moves (bodies that run until close, tunnels).
  explicit BodyFraming(http::BodyFramer* framer) : framer_(framer) {}

  FrameStep operator()(std::span<const uint8_t> bytes) {
    if (!framer_) return {bytes.size(), false, false};
    trial_ = *framer_;
    const http::FrameResult f = trial_.advance(bytes);
    return {f.consumed, f.done, f.error != http::ParseError::kNone};
  }
  void commit() {
    if (framer_) *framer_ = trial_;
  }

 private:
  http::BodyFramer* framer_;
  http::BodyFramer trial_;
};

}  // namespace tollgate::proxy
