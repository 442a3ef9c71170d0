// The main() of every micro-benchmark binary: Google Benchmark's, with a shorter default minimum time per
// benchmark unless the command line sets one. A default set per benchmark (->MinTime) would be appended to
// each benchmark's name ("/min_time:0.100"), breaking the <group>/<implementation>/<argument> names the
// results converter reads; a default argument does not.
#pragma once

#include <benchmark/benchmark.h>

#include <cstring>
#include <string>
#include <vector>

namespace tollgate::bench {

inline int micro_main(int argc, char** argv, const char* default_min_time) {
  std::vector<char*> args(argv, argv + argc);
  bool has_min_time = false;
  for (int i = 1; i < argc; ++i) has_min_time |= std::strncmp(argv[i], "--benchmark_min_time", 20) == 0;
  std::string min_time = std::string("--benchmark_min_time=") + default_min_time;
  if (!has_min_time) args.insert(args.begin() + 1, min_time.data());
  int n = static_cast<int>(args.size());
  benchmark::Initialize(&n, args.data());
  if (benchmark::ReportUnrecognizedArguments(n, args.data())) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

}  // namespace tollgate::bench

// Default minimum time per benchmark, in seconds (a string, as on the command line).
#define TOLLGATE_BENCHMARK_MAIN(default_min_time)                     \
  int main(int argc, char** argv) {                                   \
    return tollgate::bench::micro_main(argc, argv, default_min_time); \
  }
