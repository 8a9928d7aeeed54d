#include "kernel/kbench/iteration_policy.h"

#include <gtest/gtest.h>

namespace kernel::kbench {
namespace {

constexpr std::uint64_t kMin = 10'000'000;  // 10 ms at 1 GHz

TEST(IterationPolicy, GrowsTenfoldWhileTrialsAreTooShortToExtrapolate) {
  EXPECT_EQ(next_iterations({1, 100}, kMin), 10u);
  EXPECT_EQ(next_iterations({10, 1000}, kMin), 100u);
}

TEST(IterationPolicy, ExtrapolatesFortyPercentPastTheTarget) {
  // 1000 iterations took 2 ms (20% of the target): aim for 14 ms, i.e. 7000 iterations.
  EXPECT_EQ(next_iterations({1000, 2'000'000}, kMin), 7000u);
}

TEST(IterationPolicy, AlwaysGrowsAndNeverPassesTheCap) {
  EXPECT_EQ(next_iterations({5, 9'999'999}, kMin), 7u);  // 5 * 1.4 = 7
  EXPECT_EQ(next_iterations({100, 20'000'000}, kMin), 101u);  // would shrink: grow by one
  EXPECT_EQ(next_iterations({kMaxIterations / 2, 1}, kMin), kMaxIterations);
  EXPECT_EQ(next_iterations({0, 0}, kMin), 10u);  // degenerate input still moves on
}

TEST(IterationPolicy, EnoughAtTheTargetOrTheCap) {
  EXPECT_FALSE(trial_is_enough({1000, kMin - 1}, kMin));
  EXPECT_TRUE(trial_is_enough({1000, kMin}, kMin));
  EXPECT_TRUE(trial_is_enough({kMaxIterations, 5}, kMin));
}

TEST(IterationPolicy, ConvergesInAFewTrials) {
  for (const std::uint64_t cost : {1ull, 3ull, 100ull, 12'345ull, 50'000'000ull}) {
    Trial trial{1, cost};
    int trials = 1;
    while (!trial_is_enough(trial, kMin)) {
      trial.iterations = next_iterations(trial, kMin);
      trial.cycles = trial.iterations * cost;
      ++trials;
    }
    EXPECT_LE(trials, 10) << "cost " << cost;
    EXPECT_TRUE(trial.cycles >= kMin || trial.iterations == kMaxIterations) << "cost " << cost;
    // Never wildly past the target (1.4x, plus the 10x steps' slack).
    if (cost < kMin) {
      EXPECT_LE(trial.cycles, 10 * kMin) << "cost " << cost;
    }
  }
}

}  // namespace
}  // namespace kernel::kbench
