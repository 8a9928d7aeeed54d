// Page-table cursors on several simulated CPUs (mm/testing/host_cpus.h): disjoint and
// overlapping ranges of one table, with TLB shootdowns (cross-CPU calls in the host HAL)
// sent while node locks are held. Run under ASan+UBSan and ThreadSanitizer (tag "smp").
//
// The shootdown deadlock these tests guard against: a CPU flushing inside its cursor waits
// for every other CPU to take its IPI; a CPU waiting for that cursor's node lock with its
// interrupts disabled would never take it. In the host HAL a disabled CPU holds its
// interrupt mutex and a cross-CPU call takes it, so a cursor that disabled interrupts
// while waiting for a node lock makes these tests hang instead of pass.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <optional>

#include "mm/allocator/frame_allocator.h"
#include "mm/allocator/invariants.h"
#include "mm/allocator/stats.h"
#include "mm/allocator/testing/sim_frames.h"
#include "mm/hal.h"
#include "mm/page_table/page_table.h"
#include "mm/page_table/testing/pt_invariants.h"
#include "mm/testing/host_cpus.h"
#include "mm/testing/sim_memory.h"

namespace mm::page_table {
namespace {

using K4 = KernelPtConfig<4>;
using mm::testing::HostCpus;

constexpr unsigned CPUS = 4;
constexpr std::uint64_t KiB4 = 4096;
constexpr std::uint64_t MiB = 1ull << 20;
constexpr std::uint64_t MiB2 = 2 * MiB;
constexpr Vaddr KBASE = 0xffff'9000'0000'0000;
constexpr PageProperty RW{PageFlags::RW, CachePolicy::Writeback, false, true};
constexpr PageProperty RO{PageFlags::R, CachePolicy::Writeback, false, true};

class PageTableSmpTest : public ::testing::Test {
 protected:
  PageTableSmpTest() : world_(64 * MiB) {}

  // Every CPU gives its frame cache back, then the table, the allocator and the free total
  // are checked: every frame a mapping held came back exactly once.
  void expect_clean(HostCpus& cpus, PageTable<K4>& pt, std::uint64_t free_before) {
    EXPECT_EQ(mm::page_table::testing::check_pt_invariants(pt), "");
    cpus.run([](unsigned) { allocator::drain_cpu_cache(); });
    EXPECT_TRUE(allocator::check_allocator_invariants().has_value());
    const allocator::AllocatorStats stats = allocator::allocator_stats();
    EXPECT_EQ(stats.cached_frames, 0u);
    EXPECT_EQ(stats.total_free_frames, free_before);
  }

  mm::allocator::testing::SimFrames world_;
};

// Maps `n` fresh tracked frames at `va` (the mappings hold the only references).
bool map_fresh_frames(CursorMut<K4>& cursor, unsigned n) {
  for (unsigned i = 0; i < n; ++i) {
    auto frame = allocator::alloc_frame(frame::UntypedMeta{}, {.zeroed = false});
    if (!frame) return false;
    if (!cursor.map(std::move(*frame).into_shared(), RW)) return false;
  }
  return true;
}

// Each CPU maps, protects, takes and unmaps in its own 2 MiB of one table: the ranges
// share the upper nodes, which every cursor passes on its way down.
TEST_F(PageTableSmpTest, CursorsOnDisjointRangesOfOneTable) {
  auto pt = PageTable<K4>::create({.supports_1g_pages = true}).value();
  const std::uint64_t free_before = allocator::allocator_stats().total_free_frames;
  HostCpus cpus(CPUS);
  std::atomic<unsigned> failures{0};
  cpus.run([&](unsigned cpu) {
    const Vaddr base = KBASE + cpu * MiB2;
    for (unsigned round = 0; round < 30; ++round) {
      auto cursor = pt.cursor_mut(base, 80 * KiB4);
      if (!cursor || !map_fresh_frames(*cursor, 80)) {
        failures.fetch_add(1);
        continue;
      }
      bool ok = cursor->jump(base).has_value();
      ok = ok && cursor->protect_next(KiB4, [](PageProperty& p) { p = RO; }).has_value();
      ok = ok && cursor->jump(base).has_value();
      const auto taken = cursor->take_next(KiB4);  // flushes inside the cursor
      ok = ok && taken && *taken && (*taken)->frame.has_value();
      ok = ok && cursor->jump(base + KiB4).has_value();
      // 79 tracked frames: more deferred releases than one batch holds, so a flush is
      // forced in the middle of the unmap, with this cursor's locks held.
      const auto unmapped = cursor->unmap(79 * KiB4);
      ok = ok && unmapped && *unmapped == 79 * KiB4;
      if (!ok) failures.fetch_add(1);
    }
    if (mm::testing::hal_stats().remote_tlb_flushes == 0) failures.fetch_add(1);
  });
  EXPECT_EQ(failures.load(), 0u);
  expect_clean(cpus, pt, free_before);
}

// Every CPU works on the same 64 pages: each cursor waits at the guard node for the
// others, and the holder shoots down (take_next, flush()) while they wait.
TEST_F(PageTableSmpTest, OverlappingCursorsShootDownWhileOthersWaitForTheirLocks) {
  auto pt = PageTable<K4>::create({.supports_1g_pages = true}).value();
  const std::uint64_t free_before = allocator::allocator_stats().total_free_frames;
  HostCpus cpus(CPUS);
  constexpr unsigned PAGES = 64;
  std::atomic<unsigned> failures{0};
  std::atomic<std::uint64_t> mapped_rounds{0};
  std::atomic<std::uint64_t> unmapped_rounds{0};
  cpus.run([&](unsigned cpu) {
    for (unsigned round = 0; round < 60; ++round) {
      auto cursor = pt.cursor_mut(KBASE, PAGES * KiB4);
      if (!cursor) {
        failures.fetch_add(1);
        continue;
      }
      const auto found = cursor->find_next(PAGES * KiB4);
      if (!found) {
        failures.fetch_add(1);
        continue;
      }
      if (!cursor->jump(KBASE)) failures.fetch_add(1);
      if (!*found) {
        // Nothing mapped: whoever gets here first fills the range.
        if (!map_fresh_frames(*cursor, PAGES)) failures.fetch_add(1);
        mapped_rounds.fetch_add(1);
      } else if ((round + cpu) % 2 == 0) {
        // Take the frames back one by one: one shootdown per take.
        for (unsigned i = 0; i < PAGES; ++i) {
          const auto taken = cursor->take_next((PAGES - i) * KiB4);
          if (!taken || !*taken || !(*taken)->frame) failures.fetch_add(1);
        }
        unmapped_rounds.fetch_add(1);
      } else {
        const auto unmapped = cursor->unmap(PAGES * KiB4);
        if (!unmapped || *unmapped != PAGES * KiB4) failures.fetch_add(1);
        cursor->flush();  // the batch's shootdown, with the guard still locked
        unmapped_rounds.fetch_add(1);
      }
    }
  });
  EXPECT_EQ(failures.load(), 0u);
  EXPECT_GT(mapped_rounds.load(), 0u);
  EXPECT_GT(unmapped_rounds.load(), 0u);
  {
    auto cursor = pt.cursor_mut(KBASE, PAGES * KiB4);
    ASSERT_TRUE(cursor.has_value());
    ASSERT_TRUE(cursor->unmap(PAGES * KiB4).has_value());
  }
  expect_clean(cpus, pt, free_before);
}

}  // namespace
}  // namespace mm::page_table
