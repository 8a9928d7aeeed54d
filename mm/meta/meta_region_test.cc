// The metadata region over simulated memory: initialization, states, the checker,
// checked lookup, reports.
#include "mm/meta/meta_region.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <vector>

#include "mm/memmap/early_frame_allocator.h"
#include "mm/memmap/free_ranges.h"
#include "mm/memmap/sanitize.h"
#include "mm/memmap/testing/real_maps.h"
#include "lib/fmt/string_sink.h"
#include "mm/meta/boot_frame_meta.h"
#include "mm/meta/memory_report.h"
#include "mm/meta/meta_invariants.h"
#include "mm/testing/sim_memory.h"

namespace mm::meta {
namespace {

using keel::fmt::to_text;
constexpr std::uint64_t MiB = 1ull << 20;
constexpr std::uint64_t GiB = 1ull << 30;

// A booted machine in miniature: sanitized map, reservations, early allocations for the
// metadata backing and page tables, simulated memory, initialized region.
class MetaRegionTest : public ::testing::Test {
 protected:
  void boot(std::span<const memmap::FirmwareRegion> firmware) {
    memmap::MapWarnings warnings;
    ASSERT_TRUE(memmap::sanitize_memory_map(firmware, {}, *map_, warnings).has_value());
    ASSERT_TRUE(memmap::reserve_low_memory(reservations_));
    ASSERT_TRUE(reservations_.add(IMAGE.start, IMAGE.size(), memmap::FrameUsage::KernelImage));
    ASSERT_TRUE(reservations_.add(0x1234567, 0x2000, memmap::FrameUsage::BootInfo));  // unaligned
    ASSERT_TRUE(reservations_.add(0x2000000, 0x100000, memmap::FrameUsage::Module));
    plan_ = *plan_meta_region(*map_);
    memmap::EarlyFrameAllocator early(*map_, reservations_);
    meta_backing_ = *early.allocate(plan_.backed_bytes / PAGE_SIZE, memmap::FrameUsage::MetaRegion,
                                    META_CHUNK_SIZE);
    page_table_ = *early.allocate(4, memmap::FrameUsage::EarlyPageTable);
    memory_ = std::make_unique<testing::SimMemory>(plan_.covered().end);
    auto stats = init_meta_region(*map_, plan_, memory_->slots_base(), reservations_.list());
    ASSERT_TRUE(stats.has_value()) << error_name(stats.error());
    stats_ = *stats;
  }
  void TearDown() override {
    reset_meta_region_for_testing();
    memory_.reset();
  }

  static constexpr PhysRange IMAGE{MiB, 3 * MiB};
  std::unique_ptr<memmap::MemoryMap> map_ = std::make_unique<memmap::MemoryMap>();
  memmap::ReservationList reservations_;
  MetaPlan plan_;
  Paddr meta_backing_ = 0;
  Paddr page_table_ = 0;
  std::unique_ptr<testing::SimMemory> memory_;
  MetaInitStats stats_;
};

void expect_boot_frame(Paddr pa, memmap::FrameUsage usage) {
  SCOPED_TRACE(::testing::Message() << "frame 0x" << std::hex << pa);
  const MetaSlot* slot = frame_to_meta(pa);
  EXPECT_EQ(slot->ref_count.load(), 1u);
  EXPECT_EQ(slot->block.load(), 0u);
  const BootFrameMeta* meta = boot_meta_of(*slot);
  ASSERT_NE(meta, nullptr);
  EXPECT_EQ(meta->usage, usage) << memmap::frame_usage_name(meta->usage);
}

TEST_F(MetaRegionTest, InitThenInvariantsHold) {
  boot(memmap::testing::SEABIOS_PC_512M);
  const auto check = check_meta_invariants();
  EXPECT_TRUE(check.has_value()) << to_text(check.error());
  EXPECT_EQ(stats_.slots_initialized, plan_.slot_count);
  EXPECT_EQ(meta_region().slots_initialized, plan_.slot_count);
  EXPECT_TRUE(meta_region().initialized);
  EXPECT_EQ(meta_region().covered, (PhysRange{0, 0x1ffe0000}));
  EXPECT_EQ(memory_map().regions().size(), map_->regions().size());
  EXPECT_EQ(boot_reservations().size(), reservations_.size());
  std::uint64_t free_frames = 0;
  memmap::for_each_free_range(*map_, reservations_.list(), [&](PhysRange r) { free_frames += r.size() / PAGE_SIZE; });
  EXPECT_EQ(stats_.unused, free_frames);
  EXPECT_EQ(stats_.in_use, stats_.slots_initialized - free_frames);
}

TEST_F(MetaRegionTest, EveryFreeFrameIsUnused) {
  boot(memmap::testing::SEABIOS_PC_512M);
  std::uint64_t checked = 0;
  memmap::for_each_free_range(*map_, reservations_.list(), [&](PhysRange r) {
    for (Paddr pa = r.start; pa < r.end; pa += PAGE_SIZE, ++checked) {
      const MetaSlot* slot = frame_to_meta(pa);
      ASSERT_EQ(slot->ref_count.load(), REF_COUNT_UNUSED) << std::hex << pa;
      ASSERT_EQ(slot->block.load(), 0u);
      ASSERT_EQ(slot->vtable, nullptr);
      ASSERT_EQ(boot_meta_of(*slot), nullptr);
    }
  });
  EXPECT_GT(checked, 100000u);
}

TEST_F(MetaRegionTest, ReservedFramesAreInUseWithTheirUsage) {
  boot(memmap::testing::SEABIOS_PC_512M);
  expect_boot_frame(0x0, memmap::FrameUsage::LowMemory);
  expect_boot_frame(0x9e000, memmap::FrameUsage::LowMemory);
  expect_boot_frame(0x9f000, memmap::FrameUsage::FirmwareReserved);  // not usable: keeps the map's label
  expect_boot_frame(0xa0000, memmap::FrameUsage::Hole);              // VGA window: in no entry
  expect_boot_frame(0xf0000, memmap::FrameUsage::FirmwareReserved);
  expect_boot_frame(IMAGE.start, memmap::FrameUsage::KernelImage);
  expect_boot_frame(IMAGE.end - PAGE_SIZE, memmap::FrameUsage::KernelImage);
  expect_boot_frame(0x1234000, memmap::FrameUsage::BootInfo);
  expect_boot_frame(0x1236000, memmap::FrameUsage::BootInfo);  // rounded outward
  expect_boot_frame(0x20ff000, memmap::FrameUsage::Module);
  expect_boot_frame(meta_backing_, memmap::FrameUsage::MetaRegion);
  expect_boot_frame(meta_backing_ + plan_.backed_bytes - PAGE_SIZE, memmap::FrameUsage::MetaRegion);
  expect_boot_frame(page_table_, memmap::FrameUsage::EarlyPageTable);
  EXPECT_EQ(frame_to_meta(0x1237000)->ref_count.load(), REF_COUNT_UNUSED);
  EXPECT_EQ(frame_to_meta(IMAGE.end)->ref_count.load(), REF_COUNT_UNUSED);
}

TEST_F(MetaRegionTest, FrameMetaRoundTrip) {
  boot(memmap::testing::SEABIOS_PC_512M);
  for (Paddr pa : {Paddr{0}, Paddr{0x1000}, Paddr{0x9f000}, Paddr{0x1ffdf000}}) {
    MetaSlot* slot = frame_to_meta(pa);
    EXPECT_EQ(meta_to_frame(slot), pa);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(slot) % 64, 0u);
    EXPECT_EQ(meta_slot_checked(pa).value(), slot);
    EXPECT_EQ(&meta_slot(pa), slot);
  }
  EXPECT_EQ(frame_to_meta(0x1000) - frame_to_meta(0), 1);
}

TEST_F(MetaRegionTest, CheckedLookupErrors) {
  boot(memmap::testing::SEABIOS_PC_512M);
  EXPECT_EQ(meta_slot_checked(0x1001).error(), MetaSlotError::NotAligned);
  EXPECT_EQ(meta_slot_checked(0x1ffe0000).error(), MetaSlotError::OutOfRange);
  EXPECT_EQ(meta_slot_checked(0xfffc0000).error(), MetaSlotError::OutOfRange);
  EXPECT_TRUE(slot_is_backed(0x1ffdf000));
  EXPECT_FALSE(slot_is_backed(0x1ffe0000));
}

struct Corruption {
  const char* name;
  Paddr frame;
  void (*corrupt)(MetaSlot&);
  MetaInvariantKind expected;
};

TEST_F(MetaRegionTest, CheckerReportsCorruptedSlots) {
  boot(memmap::testing::SEABIOS_PC_512M);
  static const FrameMetaVtable OTHER{"Other", false, nullptr};
  const Paddr free_frame = 0x5000000;
  const Corruption cases[] = {
      {"vtable on a free frame", free_frame, [](MetaSlot& s) { s.vtable = &OTHER; },
       MetaInvariantKind::UnusedWithVtable},
      {"undefined count", free_frame,
       [](MetaSlot& s) { s.ref_count.store(REF_COUNT_MAX + 5); }, MetaInvariantKind::BadRefCount},
      {"free firmware-reserved frame", 0x9f000,
       [](MetaSlot& s) {
         s.ref_count.store(REF_COUNT_UNUSED);
         s.vtable = nullptr;
       },
       MetaInvariantKind::UnusedNotUsable},
      {"free hole frame", 0xa0000,
       [](MetaSlot& s) {
         s.ref_count.store(REF_COUNT_UNUSED);
         s.vtable = nullptr;
       },
       MetaInvariantKind::UnusedNotUsable},
      {"free kernel image frame", IMAGE.start + 0x5000,
       [](MetaSlot& s) {
         s.ref_count.store(REF_COUNT_UNUSED);
         s.vtable = nullptr;
       },
       MetaInvariantKind::UnusedReserved},
      {"boot frame count", IMAGE.start, [](MetaSlot& s) { s.ref_count.store(2); },
       MetaInvariantKind::BootFrameBadRefCount},
      {"boot frame usage", IMAGE.start, [](MetaSlot& s) { s.storage[0] = std::byte{200}; },
       MetaInvariantKind::BootFrameBadUsage},
  };
  for (const Corruption& c : cases) {
    SCOPED_TRACE(c.name);
    MetaSlot* slot = frame_to_meta(c.frame);
    alignas(64) std::byte saved[sizeof(MetaSlot)];
    std::memcpy(saved, static_cast<void*>(slot), sizeof(saved));
    c.corrupt(*slot);
    const auto check = check_meta_invariants();
    ASSERT_FALSE(check.has_value());
    EXPECT_EQ(check.error().frame, c.frame);
    EXPECT_EQ(check.error().what, c.expected) << to_text(check.error());
    std::memcpy(static_cast<void*>(slot), saved, sizeof(saved));
    EXPECT_TRUE(check_meta_invariants().has_value());
  }
}

TEST_F(MetaRegionTest, ViolationIsPrintable) {
  boot(memmap::testing::SEABIOS_PC_512M);
  static const FrameMetaVtable OTHER{"Other", false, nullptr};
  frame_to_meta(0x5000000)->vtable = &OTHER;
  const auto check = check_meta_invariants();
  ASSERT_FALSE(check.has_value());
  const std::string text = to_text(check.error());
  EXPECT_EQ(text.rfind("frame 0x5000000: UnusedWithVtable: unused frame has metadata attached (observed 0x", 0), 0u)
      << text;
}

TEST_F(MetaRegionTest, FreeListMembershipOfUnusedFramesIsAllowed) {
  boot(memmap::testing::SEABIOS_PC_512M);
  frame_to_meta(0x5000000)->block.store(7);
  EXPECT_TRUE(check_meta_invariants().has_value());
}

TEST_F(MetaRegionTest, SparseRegionLeavesTheHoleUntouched) {
  const memmap::FirmwareRegion firmware[] = {{0x0, GiB, 1, memmap::FirmwareMapKind::E820},
                                     {4 * GiB, GiB, 1, memmap::FirmwareMapKind::E820},
                                     {0xfec00000, 0x1000, 2, memmap::FirmwareMapKind::E820}};
  boot(firmware);
  EXPECT_EQ(plan_.backed_bytes, 32 * MiB);
  EXPECT_EQ(stats_.slots_initialized, 2 * GiB / PAGE_SIZE);
  EXPECT_TRUE(check_meta_invariants().has_value());
  // Nothing was written in the unbacked part (the simulated region reads as zero there).
  for (Paddr pa : {GiB, 2 * GiB, Paddr{0xfec00000}, 4 * GiB - PAGE_SIZE}) {
    EXPECT_FALSE(slot_is_backed(pa));
    EXPECT_EQ(meta_slot_checked(pa).error(), MetaSlotError::InHole);
    const auto* bytes = reinterpret_cast<const unsigned char*>(frame_to_meta(pa));
    for (std::size_t i = 0; i < sizeof(MetaSlot); ++i) ASSERT_EQ(bytes[i], 0) << std::hex << pa;
  }
  EXPECT_EQ(frame_to_meta(GiB - PAGE_SIZE)->ref_count.load(), REF_COUNT_UNUSED);
  EXPECT_EQ(frame_to_meta(4 * GiB)->ref_count.load(), REF_COUNT_UNUSED);
  EXPECT_EQ(meta_slot_checked(5 * GiB).error(), MetaSlotError::OutOfRange);
}

TEST_F(MetaRegionTest, DeathOnReadingASlotInAHole) {
  const memmap::FirmwareRegion firmware[] = {{0x0, GiB, 1, memmap::FirmwareMapKind::E820},
                                     {4 * GiB, GiB, 1, memmap::FirmwareMapKind::E820}};
  boot(firmware);
  EXPECT_DEATH(meta_slot(2 * GiB), "contract violation.*InHole");
  EXPECT_DEATH(meta_slot(0x1001), "NotAligned");
}

TEST_F(MetaRegionTest, DeathOnDroppingABootFrame) {
  boot(memmap::testing::SEABIOS_PC_512M);
  MetaSlot& slot = *frame_to_meta(IMAGE.start);
  EXPECT_DEATH(slot.vtable->drop(slot), "boot frames are never released");
}

TEST_F(MetaRegionTest, InitRejectsMismatchedPlanAndUnsetBase) {
  boot(memmap::testing::SEABIOS_PC_512M);
  MetaPlan other = *plan_meta_region(*map_);
  other.slot_count += 1;
  EXPECT_EQ(init_meta_region(*map_, other, memory_->slots_base(), reservations_.list()).error(),
            MetaInitError::PlanMismatch);
  EXPECT_EQ(init_meta_region(*map_, plan_, 0, reservations_.list()).error(), MetaInitError::MetaBaseUnset);
  EXPECT_EQ(init_meta_region(*map_, plan_, memory_->slots_base() + 64, reservations_.list()).error(),
            MetaInitError::MetaBaseUnset);
  EXPECT_TRUE(check_meta_invariants().has_value());
}

TEST_F(MetaRegionTest, NotInitializedBeforeInit) {
  EXPECT_FALSE(meta_region().initialized);
  EXPECT_EQ(meta_slot_checked(0).error(), MetaSlotError::NotInitialized);
  EXPECT_EQ(check_meta_invariants().error().what, MetaInvariantKind::NotInitialized);
  EXPECT_TRUE(memory_map().empty());
}

TEST_F(MetaRegionTest, ReportPrintsTableAndSummary) {
  boot(memmap::testing::SEABIOS_PC_512M);
  keel::fmt::StringSink sink;
  print_memory_map(sink, memory_map());
  print_memory_summary(sink, memory_map(), meta_region().plan);
  EXPECT_EQ(sink.str(),
            "  base                end                       size  type\n"
            "  0x0000000000000000  0x000000000009f000     636 KiB  usable\n"
            "  0x000000000009f000  0x00000000000a0000       4 KiB  reserved\n"
            "  0x00000000000f0000  0x0000000000100000      64 KiB  reserved\n"
            "  0x0000000000100000  0x000000001ffe0000     510 MiB  usable\n"
            "  0x000000001ffe0000  0x0000000020000000     128 KiB  reserved\n"
            "  0x00000000feffc000  0x00000000ff000000      16 KiB  reserved\n"
            "  0x00000000fffc0000  0x0000000100000000     256 KiB  reserved\n"
            "usable 511 MiB (0x1ff7f000 bytes), highest usable address 0x1ffe0000\n"
            "not usable: reserved 468 KiB, acpi 0 B, nvs 0 B, unusable 0 B, persistent 0 B\n"
            "metadata: 131040 slots, 8 MiB backed in 1 stretches, 0 B saved by sparse backing, "
            "overhead 1.56% of usable\n");
  EXPECT_EQ(meta_overhead_basis_points(memory_map(), meta_region().plan), 156u);
}

// Not a pass/fail benchmark (ASan build, first-touch page faults of the simulation); it
// prints the rate so regressions are visible in the test log.
TEST_F(MetaRegionTest, InitRateIsReported) {
  const memmap::FirmwareRegion firmware[] = {{0x0, 4 * GiB, 1, memmap::FirmwareMapKind::E820}};
  boot(firmware);
  const auto start = std::chrono::steady_clock::now();
  const auto stats = init_meta_region(*map_, plan_, memory_->slots_base(), reservations_.list());  // pages now resident
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(stats.has_value());
  EXPECT_EQ(stats->slots_initialized, 4 * GiB / PAGE_SIZE);
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count();
  std::printf("init_meta_region: %llu slots (4 GiB) in %lld us\n",
              static_cast<unsigned long long>(stats->slots_initialized), static_cast<long long>(us));
}

}  // namespace
}  // namespace mm::meta
