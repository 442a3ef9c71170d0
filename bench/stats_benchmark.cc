// What the statistics cost on the per-request path of the L7 proxy, in ns per update and per request.
// A Counter (engine/common/counter.h) is a single-writer relaxed load+add+store; a LatencyHistogram
// (engine/shm/histogram.h) is one bucket counter and a sum. Both stay in the core's own memory; the copy
// into the shared segment happens on the timer tick (Worker::publish_stats), not per request, and is not
// measured here. -Dstats=false (TOLLGATE_NO_STATS) compiles out only the histogram records and that export;
// the counters stay (bench/stats_cost.sh measures the whole difference end to end).
//
// Names:
//   counter_add/relaxed_store/1       Counter::add on one counter
//   counter_add/atomic_fetch_add/1    the locked read-modify-write a shared counter would need: what the
//                                     single-writer design saves, measured on the same machine
//   histogram_record/tollgate/1       LatencyHistogram::record, latencies cycling over 1 us .. 1 s
//   request_stats/tollgate/<rules>    every counter and histogram update HttpProxy makes for one forwarded
//                                     request with a 200 response (see http_proxy.cc), on the real counter
//                                     structs, rules' counters spread over <rules> entries (cache footprint)
//   access_log_push/tollgate/1        AccessLogRing::push of one record (the per-request access log cost
//                                     when the log is on); the ring is drained outside the timed region
#include <benchmark/benchmark.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <vector>

#include "bench/micro_main.h"
#include "engine/common/counter.h"
#include "engine/proxy/access_log_ring.h"
#include "engine/proxy/http_proxy.h"
#include "engine/proxy/upstream_pools.h"
#include "engine/shm/histogram.h"

namespace {

using namespace tollgate;

void BM_CounterAdd(benchmark::State& state) {
  Counter c;
  for (auto _ : state) {
    c.add();
    benchmark::ClobberMemory();
  }
  benchmark::DoNotOptimize(c.get());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_CounterAdd)->Name("counter_add/relaxed_store/1");

void BM_AtomicFetchAdd(benchmark::State& state) {
  std::atomic<uint64_t> c{0};
  for (auto _ : state) {
    c.fetch_add(1, std::memory_order_relaxed);
    benchmark::ClobberMemory();
  }
  benchmark::DoNotOptimize(c.load());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AtomicFetchAdd)->Name("counter_add/atomic_fetch_add/1");

// Latencies that land in different buckets, as a real mix does (a constant would always hit one line).
std::array<uint64_t, 64> latencies() {
  std::array<uint64_t, 64> l{};
  uint64_t x = 88172645463325252ull;
  for (uint64_t& v : l) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    v = (x % 1'000'000) >> (x % 20);  // skewed towards small values, up to 1 s
  }
  return l;
}

void BM_HistogramRecord(benchmark::State& state) {
  shm::LatencyHistogram h;
  const auto l = latencies();
  size_t i = 0;
  for (auto _ : state) {
    h.record(l[i++ & 63]);
    benchmark::ClobberMemory();
  }
  benchmark::DoNotOptimize(h.sum_us.get());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_HistogramRecord)->Name("histogram_record/tollgate/1");

// The updates of one forwarded request answered 200, in the order HttpProxy makes them: request parsed and
// routed, head sent to the target, response head received, response body moved, request ended.
void BM_RequestStats(benchmark::State& state) {
  proxy::HttpProxyCounters counters;
  std::vector<proxy::RuleCounters> rules(static_cast<size_t>(state.range(0)));
  proxy::TargetCounters target;
  const auto l = latencies();
  size_t i = 0;
  for (auto _ : state) {
    proxy::RuleCounters& rule = rules[(i * 7919) % rules.size()];
    const uint64_t us = l[i++ & 63];
    counters.requests.add();
    rule.matches.add();
    rule.forwarded.add();
    counters.forwarded.add();
    target.requests.add();
    target.bytes_sent.add(420);
    counters.responses_by_class[2].add();
    target.responses_by_class[2].add();
    target.bytes_received.add(180);
    target.response_time.record(us);
    counters.bytes_to_clients.add(1024);
    target.bytes_received.add(1024);
    counters.request_time.record(us + 3);
    benchmark::ClobberMemory();
  }
  benchmark::DoNotOptimize(counters.requests.get());
  state.SetItemsProcessed(state.iterations());
  state.counters["updates_per_request"] = 13;
}
BENCHMARK(BM_RequestStats)->Name("request_stats/tollgate")->Arg(10)->Arg(1000);

void BM_AccessLogPush(benchmark::State& state) {
  proxy::AccessLogRing ring(4096);
  proxy::AccessRecord record;
  record.request_line.assign("GET /products/shoes/running?color=blue HTTP/1.1");
  record.user_agent.assign("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0.0.0");
  std::vector<proxy::AccessRecord> drained(1024);
  size_t pushed = 0;
  for (auto _ : state) {
    if (!ring.push(record)) state.SkipWithError("ring full");
    if (++pushed % 1024 == 0) {  // the writer thread's side, not the worker's cost
      state.PauseTiming();
      ring.pop(drained.data(), drained.size());
      state.ResumeTiming();
    }
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * sizeof(proxy::AccessRecord)));
}
BENCHMARK(BM_AccessLogPush)->Name("access_log_push/tollgate/1");

}  // namespace

TOLLGATE_BENCHMARK_MAIN("0.1")
