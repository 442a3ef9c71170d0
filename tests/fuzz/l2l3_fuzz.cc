// Feeds arbitrary bytes as a received frame to the L2/L3 input path. Beyond "no crash, no UB" it checks
// what the dataplane relies on: a reply never changes the frame's length, a verdict's offsets stay inside
// the frame, and the steering key reader agrees the frame is IPv4 whenever a reply is routed.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "engine/net/flow_key.h"
#include "engine/net/flow_steering.h"
#include "engine/net/frame_input.h"

namespace {

using namespace tollgate::net;

const InterfaceConfig kIface{
    *MacAddress::parse("02:00:00:00:00:01"), *Ipv4Prefix::parse("198.18.0.1/24"), {}};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  // First byte picks options, the rest is the frame (an exact-size heap copy so ASan sees overruns).
  const bool csum_verified = data[0] & 1;
  std::vector<uint8_t> frame(data + 1, data + size);
  static L2L3Counters counters;
  static const FlowSteering steering(4);
  const auto key = flow_key_of_frame(frame);
  if (key && steering.owner(*key) >= 4) std::abort();
  const size_t before = frame.size();
  const FrameVerdict v = handle_frame(kIface, frame, FrameInputOptions{csum_verified}, counters);
  if (frame.size() != before) std::abort();
  if (v.action == FrameAction::kDeliver && v.l4_offset > frame.size()) std::abort();
  if (v.action == FrameAction::kRoute && !key) std::abort();
  if (v.action == FrameAction::kDrop && v.reason >= DropReason::kCount) std::abort();
  return 0;
}
