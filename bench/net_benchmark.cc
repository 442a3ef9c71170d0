// L2/L3 input path per frame on plain buffers: what an echo request or ARP request costs the engine
// before any PMD cost is added, and the steering hash that decides the owning core.
// Names: frame_input/tollgate/<frame>, steering_owner/tollgate/<cores>, checksum/tollgate/<bytes>.
#include <benchmark/benchmark.h>

#include <string_view>
#include <vector>

#include "bench/micro_main.h"
#include "engine/common/checksum.h"
#include "engine/net/flow_key.h"
#include "engine/net/flow_steering.h"
#include "engine/net/frame_input.h"
#include "tests/unit/test_frames.h"

namespace {

using namespace tollgate;

net::InterfaceConfig iface() {
  return {*net::MacAddress::parse("02:00:00:00:00:01"), *net::Ipv4Prefix::parse("198.18.0.1/24"), {}};
}

// The reply is built in place, so each iteration restores the request first: that copy (42-60 bytes)
// is part of the measurement.
void run_frame(benchmark::State& state, std::string_view hex) {
  const auto golden = tollgate::testing::hex_bytes(hex);
  const auto cfg = iface();
  net::L2L3Counters counters;
  std::vector<uint8_t> frame = golden;
  for (auto _ : state) {
    std::copy(golden.begin(), golden.end(), frame.begin());
    benchmark::DoNotOptimize(net::handle_frame(cfg, frame, {}, counters));
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_EchoRequest(benchmark::State& state) {
  run_frame(state, tollgate::testing::kEchoRequest);
}
BENCHMARK(BM_EchoRequest)->Name("frame_input/tollgate/icmp_echo_request");

void BM_ArpRequest(benchmark::State& state) {
  run_frame(state, tollgate::testing::kArpRequest);
}
BENCHMARK(BM_ArpRequest)->Name("frame_input/tollgate/arp_request");

void BM_SteeringOwner(benchmark::State& state) {
  const auto frame = tollgate::testing::hex_bytes(tollgate::testing::kEchoRequest);
  const net::FlowSteering steering(4);
  for (auto _ : state) {
    auto key = net::flow_key_of_frame(frame);
    benchmark::DoNotOptimize(steering.owner(*key));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SteeringOwner)->Name("steering_owner/tollgate/4");  // 4 cores

void BM_Checksum(benchmark::State& state) {
  std::vector<uint8_t> data(static_cast<size_t>(state.range(0)), 0xa5);
  for (auto _ : state) benchmark::DoNotOptimize(checksum_compute(data));
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_Checksum)->Name("checksum/tollgate")->Arg(20)->Arg(64)->Arg(1460);

}  // namespace

TOLLGATE_BENCHMARK_MAIN("0.1")
