// Model-based test: 10^5 random operations (allocate 4 KiB and 2 MiB frames, free, split
// and merge huge frames, split, slice, clone, convert unique↔shared, raw round trips,
// claims of arbitrary addresses) against a reference model, checking
// the model against the slots and check_allocator_invariants() after every step.
#include <gtest/gtest.h>

#include <random>

#include "mm/allocator/stats.h"
#include "mm/allocator/testing/model_driver.h"

namespace mm::allocator {
namespace {

TEST(AllocatorModelTest, HundredThousandRandomStepsAgreeWithTheModel) {
  auto world = testing::model_world();
  const AllocatorStats initial = allocator_stats();
  std::uint64_t peak_frames = 0;
  std::uint64_t ooms = 0;
  {
    testing::AllocatorModel model;
    std::mt19937_64 rng(20240613);
    constexpr int STEPS = 100'000;
    for (int step = 0; step < STEPS; ++step) {
      // Phases: mostly allocate (fill up, hit OOM), then mostly free.
      const bool filling = (step / 5000) % 2 == 0;
      std::uint8_t op = static_cast<std::uint8_t>(rng() % testing::AllocatorModel::NUM_OPS);
      if (!filling && (op == 0 || op == 1 || op == 2) && rng() % 2) op = 3;
      const auto arg = static_cast<std::uint32_t>(rng());
      std::string error = model.step(op, arg);
      if (error.empty()) error = model.check();
      ASSERT_EQ(error, "") << "step " << step << " op " << int(op % testing::AllocatorModel::NUM_OPS);
      peak_frames = std::max(peak_frames, model.allocated_frames());
      // Every 10^4 steps give everything back: the allocator must be exactly as it started,
      // and the next fill starts unfragmented, so 2 MiB frames are to be had again.
      if (step % 10'000 == 9'999) ASSERT_EQ(model.release_all_and_compare(initial), "") << "step " << step;
    }
    ooms = model.ooms();
    EXPECT_GT(model.huge_allocs(), 20u) << "2 MiB frames should be allocated";
    EXPECT_GT(model.splits(), 5u) << "2 MiB frames should be split";
    EXPECT_GT(model.merges(), 2u) << "512 pieces should be merged back";
    std::printf("%llu 2 MiB frames, %llu splits, %llu merges\n",
                static_cast<unsigned long long>(model.huge_allocs()),
                static_cast<unsigned long long>(model.splits()),
                static_cast<unsigned long long>(model.merges()));
    EXPECT_EQ(model.release_all_and_compare(initial), "");
  }
  EXPECT_GT(peak_frames, 1000u) << "the test should fill a good part of memory";
  EXPECT_GT(ooms, 0u) << "the test should reach out of memory";
  std::printf("peak %llu frames allocated, %llu OOMs\n", static_cast<unsigned long long>(peak_frames),
              static_cast<unsigned long long>(ooms));
}

}  // namespace
}  // namespace mm::allocator
