#include "kernel/kbench/iteration_policy.h"

#include "kernel/kbench/fixed_point.h"

namespace kernel::kbench {

std::uint64_t next_iterations(const Trial& trial, std::uint64_t min_cycles) {
  const std::uint64_t iterations = trial.iterations == 0 ? 1 : trial.iterations;
  const std::uint64_t cycles = trial.cycles == 0 ? 1 : trial.cycles;
  const bool significant = static_cast<u128>(cycles) * 10 > min_cycles;
  std::uint64_t next;
  if (significant) {
    // iterations * (min_cycles * 1.4 / cycles)
    next = div_u128(static_cast<u128>(iterations) * min_cycles * 14, cycles * 10);
  } else {
    next = iterations > MAX_ITERATIONS / 10 ? MAX_ITERATIONS : iterations * 10;
  }
  if (next <= iterations) next = iterations + 1;
  return next < MAX_ITERATIONS ? next : MAX_ITERATIONS;
}

}  // namespace kernel::kbench
