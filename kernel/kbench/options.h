// Benchmark options from the kernel command line:
//
//   kbench                   run the benchmarks
//   kbench.filter=FILTER     gtest filter syntax (kernel/ktest/glob.h), e.g. "mm.*-mm.page_table.*"
//   kbench.repetitions=N     repetitions per benchmark (default 5, at most 100)
//   kbench.min_time_ms=N     grow iterations until one repetition takes N ms (default 10)
//   kbench.iterations=N      run exactly N iterations per repetition instead
//   kbench.smoke             one repetition of one iteration each: catches a broken
//                            benchmark quickly (what `./kx test` boots)
#pragma once

#include <cstdint>
#include <string_view>

#include "boot/cmdline.h"

namespace kernel::kbench {

struct Options {
  std::string_view filter;          // "" = every benchmark
  std::uint32_t repetitions = 5;
  std::uint64_t min_time_ms = 10;
  std::uint64_t iterations = 0;     // 0 = grow to min_time_ms
  bool smoke = false;
};

// True when the command line asks for benchmarks (`kbench` or `kbench.smoke`).
bool requested(const boot::Cmdline& cmdline);

// Out-of-range values are clamped (repetitions to 1..100, min_time_ms to 1..10000,
// iterations to at most MAX_ITERATIONS).
Options parse_options(const boot::Cmdline& cmdline);

}  // namespace kernel::kbench
