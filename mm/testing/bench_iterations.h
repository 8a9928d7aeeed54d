// KEEL_BENCHMARK: BENCHMARK for keel's host benchmarks, plus an iteration count fixed by
// the environment. `kx bench --host --icount` counts instructions under valgrind with
// KEEL_BENCH_ITERATIONS=N1 and then N2 and divides the difference by N2 - N1: a count per
// operation repeats only when the loop's length does, and Google Benchmark 1.7 (Debian)
// has no command-line flag that fixes it.
#pragma once

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>

namespace mm::testing {

inline void iterations_from_environment(benchmark::internal::Benchmark* bench) {
  const char* text = std::getenv("KEEL_BENCH_ITERATIONS");
  if (text == nullptr) return;
  char* end = nullptr;
  const long long count = std::strtoll(text, &end, 10);
  if (end == text || *end != '\0' || count <= 0) {
    // A bad count must not fall back to timed runs that would be reported as counts.
    std::fprintf(stderr, "KEEL_BENCH_ITERATIONS=%s: expected a positive integer\n", text);
    std::abort();
  }
  bench->Iterations(count);
}

}  // namespace mm::testing

#define KEEL_BENCHMARK(...) BENCHMARK(__VA_ARGS__)->Apply(::mm::testing::iterations_from_environment)
