// Deferred metadata init over simulated memory: the region's first unit is written at
// "boot", the rest by threads acting as CPUs while other CPUs allocate, free and probe
// frames by physical address. Tagged "smp": `./kx test` runs it under ThreadSanitizer too,
// which checks the release/acquire pairs that publish a unit's slots.
#include "mm/meta/deferred_init.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "mm/allocator/frame_allocator.h"
#include "mm/allocator/invariants.h"
#include "mm/allocator/stats.h"
#include "mm/frame/frame.h"
#include "mm/frame/unique_frame.h"
#include "mm/memmap/sanitize.h"
#include "mm/meta/meta_geometry.h"
#include "mm/meta/meta_invariants.h"
#include "mm/meta/meta_region.h"
#include "mm/meta/meta_units.h"
#include "mm/testing/host_cpus.h"
#include "mm/testing/sim_memory.h"

namespace mm::meta {
namespace {

constexpr std::uint64_t MiB = 1ull << 20;
constexpr std::uint64_t GiB = 1ull << 30;

// A box with RAM below the PCI hole and above 4 GiB: 3 + 3 GiB usable, 7 units of 1 GiB.
constexpr memmap::FirmwareRegion FIRMWARE[] = {
    {0, 0x9fc00, 1, memmap::FirmwareMapKind::E820},
    {0x100000, 3 * GiB - 0x100000, 1, memmap::FirmwareMapKind::E820},
    {4 * GiB, 3 * GiB, 1, memmap::FirmwareMapKind::E820},
};

std::string text(const allocator::AllocatorInvariantViolation& v) {
  keel::fmt::FixedString<512> s;
  keel::fmt::print(s, "{}", v);
  return std::string(s.view());
}

std::string text(const MetaInvariantViolation& v) {
  keel::fmt::FixedString<512> s;
  keel::fmt::print(s, "{}", v);
  return std::string(s.view());
}

class DeferredInitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    memmap::MapWarnings warnings;
    ASSERT_TRUE(memmap::sanitize_memory_map(FIRMWARE, {}, *map_, warnings).has_value());
    ASSERT_TRUE(memmap::reserve_low_memory(reservations_));
    ASSERT_TRUE(reservations_.add(MiB, 2 * MiB, memmap::FrameUsage::KernelImage));
    // Boot frames inside a deferred unit: they must come out as boot frames, not free.
    ASSERT_TRUE(reservations_.add(5 * GiB + 0x123000, 0x45000, memmap::FrameUsage::MetaRegion));
    plan_ = *plan_meta_region(*map_);
    memory_ = std::make_unique<testing::SimMemory>(plan_.covered().end);
    poison_backed_slots();
    const auto eager = init_meta_region(*map_, plan_, memory_->slots_base(), reservations_.list(),
                                        {.eager_usable_bytes = GiB});
    ASSERT_TRUE(eager.has_value()) << error_name(eager.error());
    eager_ = *eager;
    std::vector<PhysRange> usable;
    for (const memmap::MemoryRegion& region : map_->regions()) {
      if (region.type == memmap::RegionType::Usable) usable.push_back(region.range);
    }
    const auto summary = allocator::init_frame_allocator(usable);
    ASSERT_TRUE(summary.has_value());
    ASSERT_EQ(summary->free_frames, eager_.unused);
  }

  void TearDown() override {
    reset_meta_region_for_testing();
    memory_.reset();
  }

  // Slots nobody has written hold a pattern that is no defined state: reading one as
  // metadata would show, where fresh simulated memory (zeroes, "busy") might pass.
  void poison_backed_slots() {
    for_each_backed_frame_range(plan_, [&](std::uint64_t first, std::uint64_t end) {
      std::memset(frame_to_meta(first * PAGE_SIZE), 0xa5, (end - first) * sizeof(MetaSlot));
    });
  }

  // Usable frames outside every reservation, counted frame by frame from the map.
  std::uint64_t expected_free_frames() const {
    std::uint64_t free = 0;
    for (const memmap::MemoryRegion& region : map_->regions()) {
      if (region.type != memmap::RegionType::Usable) continue;
      for (Paddr pa = region.range.start; pa < region.range.end; pa += PAGE_SIZE) {
        bool reserved = false;
        for (const memmap::Reservation& r : reservations_.list()) reserved |= r.range.contains(pa);
        if (!reserved) ++free;
      }
    }
    return free;
  }

  void expect_complete_and_consistent() {
    EXPECT_EQ(meta_units_unfinished(), 0u);
    for (std::uint64_t unit = 0; unit < meta_unit_count(); ++unit) {
      EXPECT_EQ(meta_unit_state(unit), MetaUnitState::Ready) << "unit " << unit;
    }
    const auto meta = check_meta_invariants();
    EXPECT_TRUE(meta.has_value()) << text(meta.error());
    const auto alloc = allocator::check_allocator_invariants();
    EXPECT_TRUE(alloc.has_value()) << text(alloc.error());
    EXPECT_EQ(allocator::allocator_stats().total_free_frames, expected_free_frames());
  }

  std::unique_ptr<memmap::MemoryMap> map_ = std::make_unique<memmap::MemoryMap>();
  memmap::ReservationList reservations_;
  MetaPlan plan_;
  std::unique_ptr<testing::SimMemory> memory_;
  MetaInitStats eager_;
};

TEST_F(DeferredInitTest, BootWritesOnlyTheFirstUnitsAndTheRestArePending) {
  EXPECT_EQ(meta_unit_count(), 7u);
  EXPECT_EQ(meta_unit_state(0), MetaUnitState::Ready);
  EXPECT_EQ(meta_unit_state(1), MetaUnitState::Ready);  // unit 0 holds < 1 GiB usable
  for (std::uint64_t unit = 2; unit < meta_unit_count(); ++unit) {
    EXPECT_EQ(meta_unit_state(unit), MetaUnitState::Pending) << "unit " << unit;
  }
  EXPECT_EQ(meta_units_unfinished(), 5u);
  EXPECT_EQ(allocator::allocator_stats().total_free_frames, eager_.unused);
  // The walkers skip the pending units (whose slots are poison) and find the rest sound.
  const auto meta = check_meta_invariants();
  EXPECT_TRUE(meta.has_value()) << text(meta.error());
  const auto alloc = allocator::check_allocator_invariants();
  EXPECT_TRUE(alloc.has_value()) << text(alloc.error());
}

TEST_F(DeferredInitTest, ClaimOfAnUninitialisedFrameIsAnErrorUntilItsUnitIsWritten) {
  const Paddr pending = 4 * GiB + 0x200000;  // unit 4: pending
  EXPECT_EQ(frame::Frame<frame::UntypedMeta>::from_in_use(pending).error(),
            frame::GetFrameError::SlotUninitialised);
  EXPECT_EQ(
      frame::UniqueFrame<frame::UntypedMeta>::from_unused(pending, frame::UntypedMeta{}).error(),
      frame::GetFrameError::SlotUninitialised);
  EXPECT_EQ(meta_slot_checked(pending).error(), MetaSlotError::Uninitialised);
  // Not touched: the failed claims read nothing and wrote nothing.
  EXPECT_EQ(frame_to_meta(pending)->ref_count.load(), 0xa5a5a5a5a5a5a5a5u);

  const DeferredInitProgress progress = finish_pending_meta_units();
  EXPECT_EQ(progress.units, 5u);
  // Written now: a free frame, owned by the allocator (a block's head or tail), never
  // claimable by from_unused behind the allocator's back.
  const auto claim =
      frame::UniqueFrame<frame::UntypedMeta>::from_unused(pending, frame::UntypedMeta{});
  ASSERT_FALSE(claim.has_value());
  EXPECT_TRUE(claim.error() == frame::GetFrameError::Free ||
              claim.error() == frame::GetFrameError::Tail)
      << error_name(claim.error());
  EXPECT_TRUE(meta_slot_checked(pending).has_value());
  expect_complete_and_consistent();
}

class DeferredInitSmpTest : public DeferredInitTest,
                            public ::testing::WithParamInterface<unsigned> {};

TEST_P(DeferredInitSmpTest, UnitsJoinWhileOtherCpusAllocateFreeAndProbe) {
  const unsigned n = GetParam();
  testing::HostCpus cpus(n);
  std::atomic<std::uint64_t> probes_refused{0};
  cpus.run([&](unsigned cpu) {
    std::mt19937_64 rng(cpu + 1);
    std::vector<frame::UniqueFrame<frame::UntypedMeta>> held;
    while (meta_units_unfinished() != 0) {
      if (cpu % 2 == 0) (void)run_pending_meta_units(/*max_units=*/1);
      for (int i = 0; i < 64; ++i) {
        const PagingLevel level = i % 16 == 0 ? 2 : 1;  // a 2 MiB frame now and then
        auto frame =
            allocator::alloc_frame(frame::UntypedMeta{}, {.zeroed = false, .level = level});
        ASSERT_TRUE(frame.has_value());
        held.push_back(std::move(*frame));
      }
      held.erase(held.begin(), held.begin() + static_cast<std::ptrdiff_t>(held.size() / 2));
      // A probe anywhere: either the unit is not written (a clear error, nothing read) or
      // the slot is metadata in a defined state.
      const Paddr pa = (rng() % (7 * GiB / PAGE_SIZE)) * PAGE_SIZE;
      const auto probe = frame::Frame<frame::UntypedMeta>::from_in_use(pa);
      if (!probe && probe.error() == frame::GetFrameError::SlotUninitialised) {
        probes_refused.fetch_add(1, std::memory_order_relaxed);
      } else if (has_slot(pa)) {
        const std::uint64_t count = frame_to_meta(pa)->ref_count.load(std::memory_order_relaxed);
        EXPECT_NE(count, 0xa5a5a5a5a5a5a5a5u) << "frame " << pa << " read before its unit";
      }
    }
    held.clear();
    allocator::drain_cpu_cache();
  });
  // One CPU: unit-taking and allocation interleave on it; with more, they overlap.
  expect_complete_and_consistent();
}

INSTANTIATE_TEST_SUITE_P(Cpus, DeferredInitSmpTest, ::testing::Values(1u, 2u, 4u),
                         [](const auto& info) { return std::to_string(info.param) + "cpus"; });

}  // namespace
}  // namespace mm::meta
