// Kernel-only tests of the buddy allocator over all of the machine's RAM: allocate
// everything in mixed orders, check the blocks are disjoint, inside usable unreserved RAM
// (the real firmware map) and hold their patterns, free everything and get back to the
// start; every frame as 1 GiB / 2 MiB / 4 KiB frames, the huge ones mapped in the live
// kernel page table. The tests that need only a world of frames are shared with the host:
// allocator_shared_test.cc (suite mm.allocator.AllocatorSharedTest here).
//
// Kept fast under TCG even with 6 GiB: large orders first, one u64 written per 4 KiB page.
#define KTEST_SUITE "mm.allocator"
#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>

#include "kernel/ktest/ktest.h"
#include "mm/allocator/frame_allocator.h"
#include "mm/allocator/invariants.h"
#include "mm/allocator/invariants_ktest.h"
#include "mm/allocator/stats.h"
#include "mm/frame/segment.h"
#include "mm/frame/unique_frame.h"
#include "mm/hal.h"
#include "mm/kspace/kernel_space.h"
#include "mm/layout.h"
#include "mm/linear_map.h"
#include "mm/page_table/pt_error.h"
#include "mm/memmap/reservation.h"
#include "mm/meta/meta_invariants.h"
#include "mm/meta/meta_region.h"

namespace {

using mm::Paddr;
using mm::PAGE_SIZE;

mm::frame::UntypedMeta untyped(Paddr) { return {}; }

std::uint64_t free_frames() {
  mm::allocator::drain_every_cpu_cache();
  return mm::allocator::allocator_stats().total_free_frames;
}

// The page pattern: distinct per block and per page, never 0 (fresh or zeroed memory).
std::uint64_t pattern(std::uint64_t block, std::uint64_t page) {
  return (block + 1) * 0x9e3779b97f4a7c15 ^ (page << 1 | 1);
}
std::uint64_t* page_word(Paddr pa, std::uint64_t block) {
  // Vary the word's offset so neighbouring blocks do not all hit one cache set.
  return static_cast<std::uint64_t*>(mm::phys_to_virt(pa)) + block % (PAGE_SIZE / 8);
}

struct Block {
  Paddr start;
  Paddr end;
  std::uint32_t id;
  std::uint8_t order;
};
// Every block the allocate-everything test holds. 6 GiB in the order mix below stays
// under ~6000 blocks; past 3/4 of this the test only takes the largest free order.
constexpr std::size_t MAX_BLOCKS = 32768;
constinit std::array<Block, MAX_BLOCKS> g_blocks{};

// Whether [start, end) lies inside one usable map region and touches no boot reservation.
bool in_free_ram(const Block& b) {
  const auto type = mm::meta::memory_map().type_at(b.start);
  if (type != mm::memmap::RegionType::Usable) return false;
  const auto regions = mm::meta::memory_map().regions();
  const std::size_t i = mm::meta::memory_map().first_region_ending_after(b.start);
  if (i >= regions.size() || regions[i].range.end < b.end) return false;
  for (const mm::memmap::Reservation& r : mm::meta::boot_reservations()) {
    if (r.range.start < b.end && b.start < r.range.end) return false;
  }
  return true;
}

// The order mix: 1 GiB and 2 MiB blocks carry the bulk, smaller ones interleave so the
// lists are split at every level.
constexpr unsigned ORDER_MIX[] = {18, 9, 3, 0, 9, 5, 1, 9, 2, 0, 12, 3};

KTEST(allocate_everything_in_mixed_orders) {
  const std::uint64_t start_free = free_frames();
  bool exhausted[mm::allocator::NR_ORDERS] = {};
  std::size_t count = 0;
  std::uint64_t taken = 0;
  std::optional<mm::allocator::AllocError> last_oom;
  unsigned live_orders = sizeof(ORDER_MIX) / sizeof(ORDER_MIX[0]);
  for (std::size_t step = 0; live_orders > 0 && count < MAX_BLOCKS; ++step) {
    unsigned order = ORDER_MIX[step % (sizeof(ORDER_MIX) / sizeof(ORDER_MIX[0]))];
    if (count >= MAX_BLOCKS * 3 / 4) {  // keep the block count bounded whatever the map
      const int largest = mm::allocator::allocator_stats().largest_free_order;
      order = largest < 0 ? 0 : static_cast<unsigned>(largest);
    } else if (exhausted[order]) {
      continue;
    }
    auto seg =
        mm::allocator::alloc_block<mm::frame::UntypedMeta>(order, untyped, {.zeroed = false});
    if (!seg) {
      // Nothing is freed during the loop, so an order that failed once never succeeds.
      if (!exhausted[order]) {
        exhausted[order] = true;
        for (const unsigned o : ORDER_MIX) live_orders -= (o == order);
      }
      if (order == 0) last_oom = seg.error();
      if (order == 0) break;
      continue;
    }
    const mm::PhysRange range = std::move(*seg).into_raw();
    g_blocks[count] = {range.start, range.end, static_cast<std::uint32_t>(count),
                       static_cast<std::uint8_t>(order)};
    for (Paddr pa = range.start; pa < range.end; pa += PAGE_SIZE) {
      *page_word(pa, count) = pattern(count, (pa - range.start) / PAGE_SIZE);
    }
    taken += range.size() / PAGE_SIZE;
    ++count;
  }
  ktest_ctx.print_diagnostic("{} blocks, {} frames ({}) taken of {} free", count, taken,
                             keel::fmt::HumanBytes{taken * PAGE_SIZE}, start_free);
  KEXPECT_LT(count, MAX_BLOCKS);
  KEXPECT_EQ(taken, start_free);  // everything
  if (last_oom) {
    // Order 0 failing means nothing at all is left, and the error says so.
    keel::fmt::FixedString<256> text;
    keel::fmt::print(text, "{}", *last_oom);
    ktest_ctx.print_diagnostic("final {}", text.view());
    KEXPECT_EQ(last_oom->requested_frames, 1u);
    KEXPECT_EQ(last_oom->free_frames, 0u);
    KEXPECT_EQ(last_oom->largest_free_frames, 0u);
  }
  KEXPECT_TRUE(last_oom.has_value());

  // Every pattern intact (no block was handed out twice or overwritten).
  std::uint64_t corrupt = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const Block& b = g_blocks[i];
    for (Paddr pa = b.start; pa < b.end; pa += PAGE_SIZE) {
      corrupt += *page_word(pa, b.id) != pattern(b.id, (pa - b.start) / PAGE_SIZE);
    }
  }
  KEXPECT_EQ(corrupt, 0u);

  // Disjoint, aligned, inside free RAM.
  std::sort(g_blocks.begin(), g_blocks.begin() + count,
            [](const Block& a, const Block& b) { return a.start < b.start; });
  unsigned overlaps = 0;
  unsigned misplaced = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const Block& b = g_blocks[i];
    if (i + 1 < count && b.end > g_blocks[i + 1].start) ++overlaps;
    if (b.start % (mm::allocator::order_frames(b.order) * PAGE_SIZE) != 0 || !in_free_ram(b))
      ++misplaced;
  }
  KEXPECT_EQ(overlaps, 0u);
  KEXPECT_EQ(misplaced, 0u);

  // Give everything back, then the allocator is where it started.
  for (std::size_t i = 0; i < count; ++i) {
    (void)mm::frame::Segment<mm::frame::UntypedMeta>::from_raw(
        {g_blocks[i].start, g_blocks[i].end});
  }
  KEXPECT_EQ(free_frames(), start_free);
  EXPECT_ALLOCATOR_INVARIANTS();
  const auto meta = mm::meta::check_meta_invariants();
  if (!meta) ktest_ctx.print_diagnostic("{}", meta.error());
  KEXPECT_TRUE(meta.has_value());
}

// ---- Every byte as frames of all three sizes, the huge ones mapped tracked ----

constexpr mm::page_table::PageProperty RW{mm::page_table::PageFlags::RW, mm::page_table::CachePolicy::Writeback, false, true};
// Frames kept back while everything else is taken, so the page table can grow its nodes.
constexpr std::size_t NODE_RESERVE = 32;

// Maps each huge block tracked at KTEST_VA_BASE + its paddr, reads every page's pattern back
// through the mapping, then unmaps the lot. Generic over the table type (4 or 5 levels).
template <typename Table>
void map_huge_blocks_and_read_back(kernel::ktest::Context& ktest_ctx, Table& table, std::size_t count) {
  const mm::Vaddr base = mm::layout::KTEST_VA_BASE;
  const std::uint64_t span = mm::layout::KTEST_VA_END - base;
  std::uint64_t mapped_bytes = 0;
  std::uint64_t skipped_1g = 0;
  std::uint64_t corrupt = 0;
  {
    auto cursor = table.cursor_mut(base, span);
    KTEST_ASSERT_TRUE(cursor.has_value());
    for (std::size_t i = 0; i < count; ++i) {
      const Block& b = g_blocks[i];
      if (b.order == 0) continue;
      KTEST_ASSERT_TRUE(b.end <= span);
      // Our unique handle becomes a shared one; the mapping adds a reference.
      mm::frame::Frame<mm::frame::UntypedMeta> frame =
          mm::frame::UniqueFrame<mm::frame::UntypedMeta>::from_raw(b.start).into_shared();
      KTEST_ASSERT_TRUE(cursor->jump(base + b.start).has_value());
      const auto mapped = cursor->map(frame, RW);
      if (!mapped && mapped.error() == mm::page_table::PtError::LevelUnsupported) {
        ++skipped_1g;  // a CPU without 1 GiB pages: checked through the linear map only
        auto unique =
            mm::frame::UniqueFrame<mm::frame::UntypedMeta>::try_from_shared(std::move(frame));
        KTEST_ASSERT_TRUE(unique.has_value());
        (void)std::move(*unique).into_raw();
        continue;
      } else {
        KTEST_ASSERT_TRUE(mapped.has_value());
        KEXPECT_EQ(frame.reference_count(), 2u);
        mapped_bytes += b.end - b.start;
        for (Paddr pa = b.start; pa < b.end; pa += PAGE_SIZE) {
          const auto* word = reinterpret_cast<const volatile std::uint64_t*>(base + pa) + b.id % (PAGE_SIZE / 8);
          corrupt += *word != pattern(b.id, (pa - b.start) / PAGE_SIZE);
        }
      }
      (void)std::move(frame).into_raw();  // keep our reference, raw
    }
  }
  ktest_ctx.print_diagnostic("{} mapped tracked and read back ({} 1 GiB frames not mappable here)",
                             keel::fmt::HumanBytes{mapped_bytes}, skipped_1g);
  KEXPECT_EQ(corrupt, 0u);
  auto cursor = table.cursor_mut(base, span);
  KTEST_ASSERT_TRUE(cursor.has_value());
  const auto unmapped = cursor->unmap(span);
  KTEST_ASSERT_TRUE(unmapped.has_value());
  KEXPECT_EQ(*unmapped, mapped_bytes);
}

KTEST(every_frame_as_1g_2m_4k_frames_huge_ones_mapped_tracked) {
  KTEST_ASSERT_TRUE(mm::kspace::kernel_space_ready());
  const std::uint64_t start_free = free_frames();
  std::array<std::optional<mm::frame::UniqueFrame<mm::frame::UntypedMeta>>, NODE_RESERVE> reserve;
  for (auto& r : reserve)
    r.emplace(mm::allocator::alloc_frame(mm::frame::UntypedMeta{}, {.zeroed = false}).value());
  std::size_t count = 0;
  std::uint64_t taken = 0;
  std::uint64_t per_level[4] = {};
  for (mm::PagingLevel level = 3; level >= 1; --level) {
    for (;;) {
      auto frame =
          mm::allocator::alloc_frame(mm::frame::UntypedMeta{}, {.zeroed = false, .level = level});
      if (!frame) break;
      KTEST_ASSERT_TRUE(count < MAX_BLOCKS);
      KEXPECT_EQ(frame->map_level(), level);
      const Paddr pa = frame->paddr();
      const std::uint64_t size = frame->size();
      KEXPECT_EQ(pa % size, 0u);
      g_blocks[count] = {pa, pa + size, static_cast<std::uint32_t>(count),
                         static_cast<std::uint8_t>(mm::frame::slot::level_order(level))};
      for (Paddr p = pa; p < pa + size; p += PAGE_SIZE) *page_word(p, count) = pattern(count, (p - pa) / PAGE_SIZE);
      (void)std::move(*frame).into_raw();
      taken += size / PAGE_SIZE;
      ++per_level[level];
      ++count;
    }
  }
  ktest_ctx.print_diagnostic("{} × 1 GiB, {} × 2 MiB, {} × 4 KiB frames: {} of {} free frames",
                             per_level[3], per_level[2], per_level[1], taken, start_free);
  KEXPECT_EQ(taken + NODE_RESERVE, start_free);  // everything
  KEXPECT_GT(per_level[2], 0u);
  for (auto& r : reserve) r.reset();  // room for page-table nodes
  mm::kspace::with_kernel_page_table([&](auto& table) { map_huge_blocks_and_read_back(ktest_ctx, table, count); });
  // Every frame back: the huge ones were shared (the mapping's reference is gone), the
  // small ones are still unique.
  for (std::size_t i = 0; i < count; ++i) {
    const Block& b = g_blocks[i];
    if (b.order == 0)
      (void)mm::frame::UniqueFrame<mm::frame::UntypedMeta>::from_raw(b.start);
    else if (mm::meta::frame_to_meta(b.start)->ref_count.load(std::memory_order_relaxed) == mm::meta::REF_COUNT_UNIQUE)
      (void)mm::frame::UniqueFrame<mm::frame::UntypedMeta>::from_raw(b.start);
    else
      (void)mm::frame::Frame<mm::frame::UntypedMeta>::from_raw(b.start);
  }
  KEXPECT_EQ(free_frames(), start_free);
  EXPECT_ALLOCATOR_INVARIANTS();
}

}  // namespace
