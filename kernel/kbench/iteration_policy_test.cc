#include "kernel/kbench/iteration_policy.h"

#include <gtest/gtest.h>

namespace kernel::kbench {
namespace {

constexpr std::uint64_t MIN_CYCLES = 10'000'000;  // 10 ms at 1 GHz

TEST(IterationPolicy, GrowsTenfoldWhileTrialsAreTooShortToExtrapolate) {
  EXPECT_EQ(next_iterations({1, 100}, MIN_CYCLES), 10u);
  EXPECT_EQ(next_iterations({10, 1000}, MIN_CYCLES), 100u);
}

TEST(IterationPolicy, ExtrapolatesFortyPercentPastTheTarget) {
  // 1000 iterations took 2 ms (20% of the target): aim for 14 ms, i.e. 7000 iterations.
  EXPECT_EQ(next_iterations({1000, 2'000'000}, MIN_CYCLES), 7000u);
}

TEST(IterationPolicy, AlwaysGrowsAndNeverPassesTheCap) {
  EXPECT_EQ(next_iterations({5, 9'999'999}, MIN_CYCLES), 7u);  // 5 * 1.4 = 7
  EXPECT_EQ(next_iterations({100, 20'000'000}, MIN_CYCLES), 101u);  // would shrink: grow by one
  EXPECT_EQ(next_iterations({MAX_ITERATIONS / 2, 1}, MIN_CYCLES), MAX_ITERATIONS);
  EXPECT_EQ(next_iterations({0, 0}, MIN_CYCLES), 10u);  // degenerate input still moves on
}

TEST(IterationPolicy, EnoughAtTheTargetOrTheCap) {
  EXPECT_FALSE(trial_is_enough({1000, MIN_CYCLES - 1}, MIN_CYCLES));
  EXPECT_TRUE(trial_is_enough({1000, MIN_CYCLES}, MIN_CYCLES));
  EXPECT_TRUE(trial_is_enough({MAX_ITERATIONS, 5}, MIN_CYCLES));
}

TEST(IterationPolicy, ConvergesInAFewTrials) {
  for (const std::uint64_t cost : {1ull, 3ull, 100ull, 12'345ull, 50'000'000ull}) {
    Trial trial{1, cost};
    int trials = 1;
    while (!trial_is_enough(trial, MIN_CYCLES)) {
      trial.iterations = next_iterations(trial, MIN_CYCLES);
      trial.cycles = trial.iterations * cost;
      ++trials;
    }
    EXPECT_LE(trials, 10) << "cost " << cost;
    EXPECT_TRUE(trial.cycles >= MIN_CYCLES || trial.iterations == MAX_ITERATIONS) << "cost " << cost;
    // Never wildly past the target (1.4x, plus the 10x steps' slack).
    if (cost < MIN_CYCLES) {
      EXPECT_LE(trial.cycles, 10 * MIN_CYCLES) << "cost " << cost;
    }
  }
}

}  // namespace
}  // namespace kernel::kbench
