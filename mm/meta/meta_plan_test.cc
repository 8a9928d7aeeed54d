// The metadata planner: sizing by usable RAM, sparse backing of holes, capacity fallback.
#include "mm/meta/meta_plan.h"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "mm/memmap/sanitize.h"
#include "mm/memmap/testing/real_maps.h"

namespace mm::meta {
namespace {

constexpr std::uint64_t MiB = 1ull << 20;
constexpr std::uint64_t GiB = 1ull << 30;
constexpr std::uint64_t TiB = 1ull << 40;

MetaPlan plan_for(std::span<const memmap::FirmwareRegion> entries) {
  auto map = std::make_unique<memmap::MemoryMap>();
  memmap::MapWarnings warnings;
  EXPECT_TRUE(memmap::sanitize_memory_map(entries, {}, *map, warnings).has_value());
  auto plan = plan_meta_region(*map);
  EXPECT_TRUE(plan.has_value());
  return *plan;
}

MetaPlan plan_for(std::initializer_list<memmap::FirmwareRegion> entries) {
  return plan_for(std::span<const memmap::FirmwareRegion>(entries.begin(), entries.size()));
}

std::vector<MetaChunkRange> backed(const MetaPlan& plan) {
  return {plan.backed.begin(), plan.backed.end()};
}

TEST(MetaPlan, ChunkGeometry) {
  EXPECT_EQ(META_CHUNK_SIZE, 2 * MiB);
  EXPECT_EQ(META_CHUNK_PHYS_SPAN, 128 * MiB);
}

TEST(MetaPlan, SeabiosPc512mIsDense) {
  const MetaPlan plan = plan_for(memmap::testing::SEABIOS_PC_512M);
  EXPECT_EQ(plan.slot_count, 0x1ffe0u);
  EXPECT_EQ(plan.covered(), (PhysRange{0, 0x1ffe0000}));
  EXPECT_EQ(plan.region_bytes, 8 * MiB);
  EXPECT_EQ(backed(plan), (std::vector<MetaChunkRange>{{0, 8 * MiB}}));
  EXPECT_EQ(plan.backed_bytes, 8 * MiB);
  EXPECT_EQ(plan.saved_bytes, 0u);
  EXPECT_EQ(plan.backed_slot_count(), 0x1ffe0u);
}

TEST(MetaPlan, ThreeGiBHoleGetsNoBacking) {
  const MetaPlan plan = plan_for({{MiB, GiB - MiB, 1, memmap::FirmwareMapKind::E820},
                                  {4 * GiB, GiB, 1, memmap::FirmwareMapKind::E820},
                                  {0xfec00000, 0x1000, 2, memmap::FirmwareMapKind::E820}});
  EXPECT_EQ(plan.slot_count, 5 * GiB / 4096);
  EXPECT_EQ(plan.region_bytes, 80 * MiB);
  EXPECT_EQ(backed(plan), (std::vector<MetaChunkRange>{{0, 16 * MiB}, {64 * MiB, 16 * MiB}}));
  EXPECT_EQ(plan.backed_bytes, 32 * MiB);
  EXPECT_EQ(plan.saved_bytes, 48 * MiB);
  EXPECT_TRUE(plan.slot_is_backed(0));
  EXPECT_TRUE(plan.slot_is_backed(GiB - 4096));
  EXPECT_FALSE(plan.slot_is_backed(GiB));
  EXPECT_FALSE(plan.slot_is_backed(2 * GiB));
  EXPECT_FALSE(plan.slot_is_backed(0xfec00000));  // reserved, in the hole: no slot backing
  EXPECT_FALSE(plan.slot_is_backed(4 * GiB - 4096));
  EXPECT_TRUE(plan.slot_is_backed(4 * GiB));
  EXPECT_TRUE(plan.slot_is_backed(5 * GiB - 4096));
  EXPECT_FALSE(plan.slot_is_backed(5 * GiB));  // beyond the slots
}

TEST(MetaPlan, FirecrackerMmioGapIsSparse) {
  const MetaPlan plan = plan_for(memmap::testing::FIRECRACKER_4G);
  // 0xd0000000 → slot offset 52 MiB; 4 GiB → 64 MiB; 4.75 GiB → 76 MiB.
  EXPECT_EQ(backed(plan), (std::vector<MetaChunkRange>{{0, 52 * MiB}, {64 * MiB, 12 * MiB}}));
  EXPECT_EQ(plan.saved_bytes, 12 * MiB);
}

TEST(MetaPlan, SizedByUsableRamNotByReservedEntriesAt1TiB) {
  const MetaPlan plan = plan_for(memmap::testing::SEABIOS_Q35_WITH_2G);
  EXPECT_EQ(plan.slot_count, 0x7ffe0u);
  EXPECT_EQ(plan.region_bytes, 32 * MiB);
  EXPECT_EQ(plan.backed_bytes, 32 * MiB);
}

TEST(MetaPlan, RamAbove1TiB) {
  const MetaPlan plan = plan_for({{MiB, 2 * GiB - MiB, 1, memmap::FirmwareMapKind::E820},
                                  {TiB, 4 * GiB, 1, memmap::FirmwareMapKind::E820}});
  EXPECT_EQ(plan.slot_count, (TiB + 4 * GiB) / 4096);
  EXPECT_EQ(backed(plan), (std::vector<MetaChunkRange>{{0, 32 * MiB}, {16 * 1024 * MiB, 64 * MiB}}));
  EXPECT_EQ(plan.backed_bytes, 96 * MiB);
  EXPECT_EQ(plan.region_bytes, 16 * 1024 * MiB + 64 * MiB);
}

TEST(MetaPlan, RamTrimmedAt64TiBFillsTheWholeRegion) {
  const MetaPlan plan = plan_for({{MiB, 2 * GiB - MiB, 1, memmap::FirmwareMapKind::E820},
                                  {MAX_PADDR - 4 * GiB, 8 * GiB, 1, memmap::FirmwareMapKind::E820}});
  EXPECT_EQ(plan.slot_count, MAX_NR_PAGES);
  EXPECT_EQ(plan.region_bytes, layout::FRAME_METADATA_END - layout::FRAME_METADATA_BASE);
  EXPECT_EQ(backed(plan), (std::vector<MetaChunkRange>{{0, 32 * MiB}, {TiB - 64 * MiB, 64 * MiB}}));
  EXPECT_EQ(plan.saved_bytes, TiB - 96 * MiB);
}

TEST(MetaPlan, TooManyStretchesDegradesToMoreBackingNeverLess) {
  std::vector<memmap::FirmwareRegion> entries;
  for (std::uint64_t i = 0; i < 100; ++i) {
    entries.push_back({i * 256 * MiB, 4 * MiB, 1, memmap::FirmwareMapKind::E820});  // 252 MiB holes
  }
  const MetaPlan plan = plan_for(entries);
  ASSERT_EQ(plan.backed.size(), MetaPlan::MAX_BACKED_RANGES);
  for (const memmap::FirmwareRegion& e : entries) {
    EXPECT_TRUE(plan.slot_is_backed(e.base));
    EXPECT_TRUE(plan.slot_is_backed(e.base + e.length - 4096));
  }
  EXPECT_FALSE(plan.slot_is_backed(128 * MiB));  // an early hole is still unbacked
  EXPECT_EQ(plan.backed_bytes + plan.saved_bytes, plan.region_bytes);
}

TEST(MetaPlan, NoUsableMemoryIsAnError) {
  memmap::MemoryMap map;
  ASSERT_TRUE(map.append({0, MiB}, memmap::RegionType::Reserved));
  EXPECT_EQ(plan_meta_region(map).error(), MetaPlanError::NoUsableMemory);
}

}  // namespace
}  // namespace mm::meta
