// Model-based test: 10^5 random operations (allocate, free, split, slice, clone, convert
// unique↔shared, raw round trips, from_in_use probes) against a reference model, checking
// the model against the slots and check_allocator_invariants() after every step.
#include <gtest/gtest.h>

#include <random>

#include "mm/allocator/stats.h"
#include "mm/allocator/testing/model_driver.h"

namespace mm {
namespace {

TEST(AllocatorModelTest, HundredThousandRandomStepsAgreeWithTheModel) {
  auto world = testing::model_world();
  const AllocatorStats initial = allocator_stats();
  std::uint64_t peak_frames = 0;
  std::uint64_t ooms = 0;
  {
    testing::AllocatorModel model;
    std::mt19937_64 rng(20240613);
    constexpr int kSteps = 100'000;
    for (int step = 0; step < kSteps; ++step) {
      // Phases: mostly allocate (fill up, hit OOM), then mostly free.
      const bool filling = (step / 5000) % 2 == 0;
      std::uint8_t op = static_cast<std::uint8_t>(rng() % testing::AllocatorModel::kNumOps);
      if (!filling && (op == 0 || op == 1 || op == 2) && rng() % 2) op = 3;
      const auto arg = static_cast<std::uint32_t>(rng());
      std::string error = model.step(op, arg);
      if (error.empty()) error = model.check();
      ASSERT_EQ(error, "") << "step " << step << " op " << int(op % testing::AllocatorModel::kNumOps);
      peak_frames = std::max(peak_frames, model.allocated_frames());
    }
    ooms = model.ooms();
    EXPECT_EQ(model.release_all_and_compare(initial), "");
  }
  EXPECT_GT(peak_frames, 1000u) << "the test should fill a good part of memory";
  EXPECT_GT(ooms, 0u) << "the test should reach out of memory";
  std::printf("peak %llu frames allocated, %llu OOMs\n", static_cast<unsigned long long>(peak_frames),
              static_cast<unsigned long long>(ooms));
}

}  // namespace
}  // namespace mm
