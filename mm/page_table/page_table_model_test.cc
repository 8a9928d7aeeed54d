// ≥ 10^4 random map / map_phys / take_next / unmap / protect_next / query / find_next steps
// over mixed page sizes (tracked frames of 4 KiB, 2 MiB and, in the 2 GiB world, 1 GiB), checked against an interval model, the software MMU and the
// structural invariants after every step; 4- and 5-level tables, with and without 1 GiB
// pages. Ends by unmapping everything: node count and free frames back to their start.
#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <vector>

#include "mm/page_table/testing/pt_model.h"

namespace mm::page_table {
namespace {

std::vector<std::uint8_t> random_bytes(std::uint32_t seed, std::size_t n) {
  std::mt19937 rng(seed);
  std::vector<std::uint8_t> bytes(n);
  for (auto& b : bytes) b = static_cast<std::uint8_t>(rng());
  return bytes;
}

void run(PagingLevel levels, bool huge_1g, bool frames_1g, std::uint32_t seed) {
  const auto bytes = random_bytes(seed, 100'000);  // ~9.5 bytes per step
  const auto report = testing::run_pt_model_on_bytes(
      bytes, {.levels = levels, .supports_1g_pages = huge_1g, .check_every_step = true,
              .frames_1g = frames_1g});
  std::printf("levels %u 1g %d: %llu steps, %llu ok, %llu refused, max %llu nodes, max %llu MiB "
              "mapped, %llu huge leaves seen; tracked huge: %llu mapped (%llu of 1 GiB), %llu "
              "removed whole, %llu cuts refused\n",
              levels, huge_1g, (unsigned long long)report.steps, (unsigned long long)report.ok_ops,
              (unsigned long long)report.refused_ops, (unsigned long long)report.max_nodes,
              (unsigned long long)(report.max_mapped_bytes >> 20),
              (unsigned long long)report.huge_leaves_seen,
              (unsigned long long)report.tracked_huge_maps, (unsigned long long)report.tracked_1g_maps,
              (unsigned long long)report.tracked_huge_removed,
              (unsigned long long)report.split_refusals);
  EXPECT_GE(report.steps, 10'000u);
  EXPECT_GT(report.ok_ops, report.steps / 3);
  EXPECT_GT(report.huge_leaves_seen, 0u);
  EXPECT_GT(report.tracked_huge_maps, 20u);
  EXPECT_GT(report.tracked_huge_removed, 10u);
  EXPECT_GT(report.split_refusals, 100u);
  if (frames_1g && huge_1g) EXPECT_GT(report.tracked_1g_maps, 1u);
}

// 1 GiB frames need the 2 GiB world (~0.5 s to build under ASan, against ~50 s of steps):
// mapped where 1 GiB pages exist, LevelUnsupported where not.
TEST(PageTableModelTest, FourLevelWith1GPages) { run(4, true, true, 1); }
TEST(PageTableModelTest, FourLevelWithout1GPages) { run(4, false, true, 2); }
TEST(PageTableModelTest, FiveLevelWith1GPages) { run(5, true, true, 3); }

}  // namespace
}  // namespace mm::page_table
