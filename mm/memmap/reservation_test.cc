// Reservations, free-range walks and the early frame allocator.
#include "mm/memmap/reservation.h"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "mm/memmap/early_frame_allocator.h"
#include "mm/memmap/free_ranges.h"
#include "mm/memmap/sanitize.h"
#include "mm/memmap/testing/real_maps.h"

namespace mm::memmap {
namespace {

constexpr std::uint64_t MiB = 1ull << 20;

std::unique_ptr<MemoryMap> sanitized(std::span<const FirmwareRegion> entries) {
  auto map = std::make_unique<MemoryMap>();
  MapWarnings warnings;
  EXPECT_TRUE(sanitize_memory_map(entries, {}, *map, warnings).has_value());
  return map;
}

std::vector<PhysRange> free_ranges(const MemoryMap& map, std::span<const Reservation> reserved) {
  std::vector<PhysRange> out;
  for_each_free_range(map, reserved, [&](PhysRange r) { out.push_back(r); });
  return out;
}

TEST(ReservationList, RoundsOutwardAndMergesContiguousSameUsage) {
  ReservationList list;
  ASSERT_TRUE(list.add(0x100800, 0x1000, FrameUsage::KernelImage));  // 0x100800-0x101800
  ASSERT_TRUE(list.add(0x102000, 0x1000, FrameUsage::KernelImage));  // contiguous: merges
  ASSERT_TRUE(list.add(0x103000, 0x10, FrameUsage::Cmdline));
  ASSERT_TRUE(list.add(0x200000, 0, FrameUsage::Module));  // empty: nothing
  const std::vector<Reservation> want = {{{0x100000, 0x103000}, FrameUsage::KernelImage},
                                         {{0x103000, 0x104000}, FrameUsage::Cmdline}};
  EXPECT_EQ(std::vector<Reservation>(list.list().begin(), list.list().end()), want);
  EXPECT_TRUE(list.overlaps({0x102fff, 0x103001}));
  EXPECT_FALSE(list.overlaps({0x104000, 0x105000}));
}

TEST(ReservationList, WrapIsAnErrorAndAboveMaxPaddrIsClipped) {
  ReservationList list;
  EXPECT_EQ(list.add(~0ull - 10, 100, FrameUsage::Framebuffer).error(), ReservationError::Wraps);
  ASSERT_TRUE(list.add(MAX_PADDR + 0x1000, 0x1000, FrameUsage::Framebuffer));
  EXPECT_EQ(list.size(), 0u);
  ASSERT_TRUE(list.add(MAX_PADDR - 0x1000, 0x3000, FrameUsage::Framebuffer));
  EXPECT_EQ(list.list()[0].range, (PhysRange{MAX_PADDR - 0x1000, MAX_PADDR}));
}

TEST(ReservationList, FullIsAnError) {
  ReservationList list;
  for (std::size_t i = 0; i < ReservationList::CAPACITY; ++i) {
    ASSERT_TRUE(list.add(i * 0x2000, 0x1000, FrameUsage::Module));
  }
  EXPECT_EQ(list.add(0x10000000, 0x1000, FrameUsage::Module).error(), ReservationError::Full);
  EXPECT_STREQ(error_name(ReservationError::Full), "Full");
}

TEST(ReservationList, LowMemoryPolicyReservesFirstMiB) {
  ReservationList list;
  ASSERT_TRUE(reserve_low_memory(list));
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list.list()[0], (Reservation{{0, MiB}, FrameUsage::LowMemory}));
}

TEST(FreeRanges, SubtractsUnsortedOverlappingReservations) {
  const auto map = sanitized(testing::SEABIOS_PC_512M);
  ReservationList list;
  ASSERT_TRUE(list.add(0x200000, 0x100000, FrameUsage::KernelImage));
  ASSERT_TRUE(reserve_low_memory(list));
  ASSERT_TRUE(list.add(0x280000, 0x100000, FrameUsage::BootInfo));  // overlaps the image
  ASSERT_TRUE(list.add(0x1ffd0000, 0x100000, FrameUsage::Module));  // runs past usable end
  const std::vector<PhysRange> want = {{0x100000, 0x200000}, {0x380000, 0x1ffd0000}};
  EXPECT_EQ(free_ranges(*map, list.list()), want);
}

TEST(FreeRanges, NoReservationsGivesUsableRanges) {
  const auto map = sanitized(testing::FIRECRACKER_4G);
  const std::vector<PhysRange> want = {{0x0, 0x9f000}, {0x100000, 0xd0000000}, {0x100000000, 0x130000000}};
  EXPECT_EQ(free_ranges(*map, {}), want);
}

TEST(EarlyFrameAllocator, BumpsUpwardSkippingReservationsAndRecordsAllocations) {
  const auto map = sanitized(testing::SEABIOS_PC_512M);
  ReservationList list;
  ASSERT_TRUE(reserve_low_memory(list));
  ASSERT_TRUE(list.add(0x100000, 0x200000, FrameUsage::KernelImage));  // [1 MiB, 3 MiB)
  EarlyFrameAllocator early(*map, list);
  EXPECT_EQ(early.allocate(1, FrameUsage::EarlyPageTable).value(), 0x300000u);
  EXPECT_EQ(early.allocate(2, FrameUsage::EarlyPageTable).value(), 0x301000u);
  // 2 MiB aligned for the metadata backing: skips to 4 MiB.
  EXPECT_EQ(early.allocate(512, FrameUsage::MetaRegion, 2 * MiB).value(), 0x400000u);
  EXPECT_EQ(early.allocate(1, FrameUsage::EarlyAlloc).value(), 0x600000u);
  EXPECT_EQ(early.frames_allocated(), 516u);
  const std::vector<Reservation> want = {
      {{0, MiB}, FrameUsage::LowMemory},
      {{0x100000, 0x300000}, FrameUsage::KernelImage},
      {{0x300000, 0x303000}, FrameUsage::EarlyPageTable},  // merged
      {{0x400000, 0x600000}, FrameUsage::MetaRegion},
      {{0x600000, 0x601000}, FrameUsage::EarlyAlloc}};
  EXPECT_EQ(std::vector<Reservation>(list.list().begin(), list.list().end()), want);
  // The alignment gap [0x303000, 0x400000) stays free for the buddy allocator.
  const auto free = free_ranges(*map, list.list());
  ASSERT_GE(free.size(), 2u);
  EXPECT_EQ(free[0], (PhysRange{0x303000, 0x400000}));
  EXPECT_EQ(free[1], (PhysRange{0x601000, 0x1ffe0000}));
}

TEST(EarlyFrameAllocator, MovesToTheNextUsableRegionAndRunsOut) {
  const auto map = sanitized(testing::FIRECRACKER_4G);
  ReservationList list;
  ASSERT_TRUE(reserve_low_memory(list));
  EarlyFrameAllocator early(*map, list, {MiB, 0x100000000 + 0x200000});  // window ends 2 MiB above 4G
  // Eats [1 MiB, 0xd0000000) in one go, then must continue above 4 GiB.
  EXPECT_EQ(early.allocate((0xd0000000 - MiB) / 0x1000, FrameUsage::EarlyAlloc).value(), MiB);
  EXPECT_EQ(early.allocate(1, FrameUsage::EarlyAlloc).value(), 0x100000000u);
  EXPECT_EQ(early.allocate(512, FrameUsage::EarlyAlloc).error(), EarlyAllocError::OutOfMemory);
  EXPECT_EQ(early.allocate(511, FrameUsage::EarlyAlloc).value(), 0x100001000u);
  EXPECT_EQ(early.allocate(1, FrameUsage::EarlyAlloc).error(), EarlyAllocError::OutOfMemory);
}

TEST(EarlyFrameAllocator, HonorsReservationsAddedLater) {
  const auto map = sanitized(testing::MICROVM_PVH_256M);
  ReservationList list;
  EarlyFrameAllocator early(*map, list);
  ASSERT_TRUE(list.add(MiB, MiB, FrameUsage::Module));
  EXPECT_EQ(early.allocate(1, FrameUsage::EarlyAlloc).value(), 2 * MiB);
}

TEST(EarlyFrameAllocator, RejectsBadRequests) {
  const auto map = sanitized(testing::MICROVM_PVH_256M);
  ReservationList list;
  EarlyFrameAllocator early(*map, list);
  EXPECT_EQ(early.allocate(0, FrameUsage::EarlyAlloc).error(), EarlyAllocError::BadRequest);
  EXPECT_EQ(early.allocate(1, FrameUsage::EarlyAlloc, 0x3000).error(), EarlyAllocError::BadRequest);
  EXPECT_EQ(early.allocate(1, FrameUsage::EarlyAlloc, 0x800).error(), EarlyAllocError::BadRequest);
  EXPECT_EQ(early.allocate(1, FrameUsage::KernelImage).error(), EarlyAllocError::BadRequest);
  EXPECT_EQ(early.allocate(~0ull, FrameUsage::EarlyAlloc).error(), EarlyAllocError::BadRequest);
  EXPECT_EQ(list.size(), 0u);
}

TEST(EarlyFrameAllocator, FullReservationListHandsOutNothing) {
  const auto map = sanitized(testing::MICROVM_PVH_256M);
  ReservationList list;
  for (std::size_t i = 0; i < ReservationList::CAPACITY; ++i) {
    ASSERT_TRUE(list.add(0x8000000 + i * 0x2000, 0x1000, FrameUsage::Module));
  }
  EarlyFrameAllocator early(*map, list);
  EXPECT_EQ(early.allocate(1, FrameUsage::EarlyAlloc).error(), EarlyAllocError::ReservationsFull);
  EXPECT_EQ(early.cursor(), MiB);
}

TEST(FrameUsageNames, AreStable) {
  EXPECT_EQ(frame_usage_name(FrameUsage::KernelImage), "KernelImage");
  EXPECT_EQ(frame_usage_name(FrameUsage::MetaRegion), "MetaRegion");
  EXPECT_EQ(frame_usage_name(FrameUsage::Hole), "Hole");
  EXPECT_EQ(frame_usage_for(RegionType::AcpiNvs), FrameUsage::AcpiNvs);
  EXPECT_EQ(frame_usage_for(RegionType::Reserved), FrameUsage::FirmwareReserved);
  EXPECT_TRUE(is_valid_frame_usage(FRAME_USAGE_COUNT - 1));
  EXPECT_FALSE(is_valid_frame_usage(FRAME_USAGE_COUNT));
}

}  // namespace
}  // namespace mm::memmap
