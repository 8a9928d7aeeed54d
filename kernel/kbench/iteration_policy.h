// How many iterations a repetition runs: grow until one run lasts at least min_time, the
// way Google Benchmark does (PredictNumItersNeeded / ShouldReportIterationResults), in
// integers and TSC cycles.
#pragma once

#include <cstdint>

namespace kernel::kbench {

inline constexpr std::uint64_t MAX_ITERATIONS = 1'000'000'000;

struct Trial {
  std::uint64_t iterations;
  std::uint64_t cycles;  // timed cycles the trial took
};

// True when the trial is long enough to report: it reached min_cycles, or the iteration
// cap.
constexpr bool trial_is_enough(const Trial& trial, std::uint64_t min_cycles) {
  return trial.iterations >= MAX_ITERATIONS || trial.cycles >= min_cycles;
}

// The iteration count for the next trial: aim 40% past min_cycles from the rate seen so
// far; if the trial was under 10% of the target (too short to extrapolate), grow 10x.
// Always more than before, never more than MAX_ITERATIONS.
std::uint64_t next_iterations(const Trial& trial, std::uint64_t min_cycles);

}  // namespace kernel::kbench
