// Page tables over simulated memory: range checks first (the overflows the vostd
// verification found), then map/query/unmap, page-size choice, splitting, protection,
// TLB flush policy, node reclamation, W^X, and 5-level paging.
#include <gtest/gtest.h>

#include <optional>
#include <vector>

#include "mm/allocator/frame_allocator.h"
#include "mm/allocator/stats.h"
#include "mm/allocator/testing/sim_frames.h"
#include "mm/page_table/leaf_walk.h"
#include "mm/page_table/page_table.h"
#include "mm/page_table/testing/pt_invariants.h"
#include "mm/page_table/testing/soft_mmu.h"
#include "mm/page_table/wx_check.h"
#include "mm/testing/sim_memory.h"

namespace mm::pt {
namespace {

using K4 = KernelPtConfig<4>;
using K5 = KernelPtConfig<5>;
using U4 = UserPtConfig<4>;

constexpr std::uint64_t KiB4 = 4096;
constexpr std::uint64_t MiB2 = 2ull << 20;
constexpr std::uint64_t GiB1 = 1ull << 30;
constexpr Vaddr TOP_PAGE = 0xffff'ffff'ffff'f000;
constexpr Vaddr KBASE = 0xffff'9000'0000'0000;  // 1 GiB aligned, in the kernel half
constexpr PageProperty RW{PageFlags::RW, CachePolicy::Writeback, false, true};
constexpr PageProperty RO{PageFlags::R, CachePolicy::Writeback, false, true};

// Only untyped frames (and UFrame) can be mapped tracked: mapping a typed frame, such as a
// page-table page, does not compile.
template <typename Cursor, typename F>
concept CanMap = requires(Cursor& c, const F& f) { c.map(f, RW); };
static_assert(CanMap<CursorMut<K4>, Frame<UntypedMeta>> && CanMap<CursorMut<K4>, UFrame>);
static_assert(!CanMap<CursorMut<K4>, Frame<PageTablePageMeta<K4>>>);
static_assert(!CanMap<CursorMut<K4>, AnyFrame>);

class PageTableTest : public ::testing::Test {
 protected:
  static constexpr std::uint64_t PHYS = 64ull << 20;
  PageTableTest() : world_(PHYS, {{1ull << 20, PHYS}}) {}

  template <PageTableConfig C = K4>
  PageTable<C> make(bool huge_1g = true) {
    auto pt = PageTable<C>::create({.supports_1g_pages = huge_1g});
    EXPECT_TRUE(pt.has_value());
    return std::move(*pt);
  }
  UFrame frame() { return alloc_frame(UntypedMeta{}).value().into_shared(); }

  template <PageTableConfig C>
  void expect_invariants(const PageTable<C>& pt) {
    EXPECT_EQ(testing::check_pt_invariants(pt), "");
  }
  template <PageTableConfig C>
  std::vector<PagingLevel> leaf_levels(const PageTable<C>& pt) {
    std::vector<PagingLevel> levels;
    for_each_leaf<C>(pt.root_paddr(), [&](Vaddr, PagingLevel level, std::uint64_t) {
      levels.push_back(level);
      return true;
    });
    return levels;
  }

  mm::testing::SimFrames world_;
};

// ---- Range checks: overflow-safe ----------------------------------------------------------

TEST_F(PageTableTest, RangeEndingAtTopOfAddressSpaceIsValid) {
  auto pt = make();
  // [TOP_PAGE, 2^64): its "end" is 0. A naive va + len < end check rejects or wraps.
  {
    auto cursor = pt.cursor_mut(TOP_PAGE, KiB4);
    ASSERT_TRUE(cursor.has_value());
    EXPECT_EQ(cursor->range_last(), ~Vaddr{0});
  }  // (a second overlapping cursor on this thread would wait for this one forever)
  EXPECT_TRUE(pt.cursor(0xffff'8000'0000'0000, 0x0000'8000'0000'0000).has_value());  // whole half
}

TEST_F(PageTableTest, RangesThatWrapOrLeaveTheConfigAreRefused) {
  auto pt = make();
  EXPECT_EQ(pt.cursor(TOP_PAGE, 2 * KiB4).error(), PtError::OutOfRange);  // wraps past 2^64
  EXPECT_EQ(pt.cursor(TOP_PAGE, ~std::uint64_t{0} & ~(KiB4 - 1)).error(), PtError::OutOfRange);
  EXPECT_EQ(pt.cursor(KBASE, 0).error(), PtError::EmptyRange);
  EXPECT_EQ(pt.cursor(KBASE + 1, KiB4).error(), PtError::NotAligned);
  EXPECT_EQ(pt.cursor(KBASE, KiB4 + 1).error(), PtError::NotAligned);
  EXPECT_EQ(pt.cursor(0x0000'7fff'ffff'f000, KiB4).error(), PtError::OutOfRange);  // user half
  EXPECT_EQ(pt.cursor(0x0000'8000'0000'0000, KiB4).error(), PtError::OutOfRange);  // non-canonical
  EXPECT_EQ(pt.cursor(0xffff'7fff'ffff'f000, 2 * KiB4).error(), PtError::OutOfRange);  // straddles
  auto user = make<U4>();
  EXPECT_EQ(user.cursor(0x0000'7fff'ffff'f000, 2 * KiB4).error(), PtError::OutOfRange);
  EXPECT_TRUE(user.cursor(0x0000'7fff'ffff'f000, KiB4).has_value());
  EXPECT_EQ(user.cursor(0, 0x0000'8000'0000'1000).error(), PtError::OutOfRange);
}

TEST_F(PageTableTest, FindNextAtTopOfAddressSpaceDoesNotWrap) {
  auto pt = make();
  auto cursor = pt.cursor_mut(TOP_PAGE - KiB4, 2 * KiB4);
  ASSERT_TRUE(cursor.has_value());
  // Nothing mapped: find_next runs to the end of the range (2^64) and is done, not at 0.
  auto found = cursor->find_next(2 * KiB4);
  ASSERT_TRUE(found.has_value());
  EXPECT_FALSE(found->has_value());
  EXPECT_TRUE(cursor->done());
  EXPECT_EQ(cursor->find_next(KiB4).error(), PtError::OutOfRange);
  EXPECT_EQ(cursor->map_phys({0x1000, 0x2000}, RW).error(), PtError::OutOfRange);
  // A length reaching past the cursor's range is refused, not truncated or wrapped.
  ASSERT_TRUE(cursor->jump(TOP_PAGE).has_value());
  EXPECT_EQ(cursor->find_next(2 * KiB4).error(), PtError::OutOfRange);
  EXPECT_EQ(cursor->find_next(~std::uint64_t{0} - KiB4 + 1).error(), PtError::OutOfRange);
  // Map the very last page and find it, query it, take it.
  ASSERT_TRUE(cursor->map_phys({0x5000, 0x6000}, RW).has_value());
  EXPECT_TRUE(cursor->done());
  ASSERT_TRUE(cursor->jump(TOP_PAGE - KiB4).has_value());
  found = cursor->find_next(2 * KiB4);
  ASSERT_TRUE(found.has_value() && found->has_value());
  EXPECT_EQ(**found, TOP_PAGE);
  const PtMapping m = cursor->query();
  EXPECT_EQ(m.va, TOP_PAGE);
  EXPECT_EQ(m.pa, 0x5000u);
  auto taken = cursor->take_next(KiB4);
  ASSERT_TRUE(taken.has_value() && taken->has_value());
  EXPECT_EQ((*taken)->mapping.va, TOP_PAGE);
  EXPECT_TRUE(cursor->done());
}

TEST_F(PageTableTest, JumpOutsideTheCursorRangeIsRefused) {
  auto pt = make();
  auto cursor = pt.cursor(KBASE, 4 * KiB4);
  ASSERT_TRUE(cursor.has_value());
  EXPECT_EQ(cursor->jump(KBASE + 4 * KiB4).error(), PtError::OutOfRange);
  EXPECT_EQ(cursor->jump(KBASE - KiB4).error(), PtError::OutOfRange);
  EXPECT_EQ(cursor->jump(KBASE + 1).error(), PtError::NotAligned);
  EXPECT_TRUE(cursor->jump(KBASE + 3 * KiB4).has_value());
}

// ---- Map, query, unmap -------------------------------------------------------------------

TEST_F(PageTableTest, MapQueryTakeTrackedFrame) {
  auto pt = make();
  const std::uint64_t nodes = live_pt_nodes();
  UFrame f = frame();
  {
    auto cursor = pt.cursor_mut(KBASE, KiB4);
    ASSERT_TRUE(cursor.has_value());
    ASSERT_TRUE(cursor->map(f, RW).has_value());
    EXPECT_EQ(f.reference_count(), 2u);  // the handle and the mapping
    EXPECT_TRUE(cursor->done());
    ASSERT_TRUE(cursor->jump(KBASE).has_value());
    const PtMapping m = cursor->query();
    EXPECT_EQ(m.kind, MappingKind::Tracked);
    EXPECT_EQ(m.pa, f.paddr());
    EXPECT_EQ(m.size, KiB4);
    EXPECT_EQ(m.prop, RW);
  }
  expect_invariants(pt);
  EXPECT_EQ(live_pt_nodes(), nodes + 3);  // PDPT, PD, PT
  const auto t = testing::soft_translate(pt.root_paddr(), 4, KBASE + 0x123);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->pa, f.paddr() + 0x123);
  EXPECT_TRUE(t->writable);
  EXPECT_FALSE(t->executable);
  EXPECT_TRUE(t->tracked);
  {
    auto cursor = pt.cursor_mut(KBASE, KiB4);
    auto taken = cursor->take_next(KiB4);
    ASSERT_TRUE(taken.has_value() && taken->has_value());
    ASSERT_TRUE((*taken)->frame.has_value());
    EXPECT_EQ(*(*taken)->frame, AnyFrame(f));
  }
  EXPECT_EQ(f.reference_count(), 1u);
  EXPECT_EQ(live_pt_nodes(), nodes);  // the emptied nodes were freed
  expect_invariants(pt);
  EXPECT_FALSE(testing::soft_translate(pt.root_paddr(), 4, KBASE).has_value());
}

TEST_F(PageTableTest, MappingOverAMappingIsRefused) {
  auto pt = make();
  UFrame f = frame();
  auto cursor = pt.cursor_mut(KBASE, 4 * MiB2);
  ASSERT_TRUE(cursor->map_phys({0, MiB2}, RW).has_value());
  ASSERT_TRUE(cursor->jump(KBASE + 8 * KiB4).has_value());
  EXPECT_EQ(cursor->map(f, RW).error(), PtError::AlreadyMapped);   // inside a 2 MiB leaf
  ASSERT_TRUE(cursor->jump(KBASE + MiB2 - KiB4).has_value());
  EXPECT_EQ(cursor->map_phys({0x10'0000, 0x10'0000 + 2 * KiB4}, RW).error(), PtError::AlreadyMapped);
  EXPECT_EQ(cursor->va(), KBASE + MiB2 - KiB4);  // unchanged
  ASSERT_TRUE(cursor->jump(KBASE + MiB2).has_value());
  ASSERT_TRUE(cursor->map(f, RW).has_value());
  ASSERT_TRUE(cursor->jump(KBASE + MiB2).has_value());
  EXPECT_EQ(cursor->map(f, RW).error(), PtError::AlreadyMapped);
  EXPECT_EQ(f.reference_count(), 2u);
}

TEST_F(PageTableTest, WrongKindsAreRefused) {
  auto user = make<U4>();
  auto cursor = user.cursor_mut(0x40'0000, KiB4);
  EXPECT_EQ(cursor->map_phys({0, KiB4}, RW).error(), PtError::WrongKind);
  // A page-table page (typed metadata) cannot even be passed to map(): see the
  // MapsOnlyUntypedFrames concept check at the top of this file.
  EXPECT_EQ(cursor->map_phys({0x1001, 0x2000}, RW).error(), PtError::WrongKind);
  auto pt = make();
  auto kc = pt.cursor_mut(KBASE, KiB4);
  EXPECT_EQ(kc->map_phys({0x1001, 0x2000}, RW).error(), PtError::NotAligned);
  EXPECT_EQ(kc->map_phys({0x1000, 0x1000}, RW).error(), PtError::EmptyRange);
  EXPECT_EQ(kc->map_phys({0x1000, 0x3000}, RW).error(), PtError::OutOfRange);  // > cursor range
}

TEST_F(PageTableTest, UserTableMapsTrackedFramesWithUserBit) {
  auto pt = make<U4>();
  UFrame f = frame();
  auto cursor = pt.cursor_mut(0x40'0000, KiB4);
  ASSERT_TRUE(cursor->map(f, {PageFlags::RW, CachePolicy::Writeback, true, false}).has_value());
  const auto t = testing::soft_translate(pt.root_paddr(), 4, 0x40'0000);
  ASSERT_TRUE(t.has_value());
  EXPECT_TRUE(t->user);
}

// ---- Page-size choice ---------------------------------------------------------------------

TEST_F(PageTableTest, MapPhysUsesTheLargestPagesAlignmentAllows) {
  auto pt = make(/*huge_1g=*/true);
  // [KBASE + 1G - 2M - 4K, + 1G + 2M + 8K): 4K, 2M, 1G, 2M, 4K, 4K pieces.
  const Vaddr va = KBASE + GiB1 - MiB2 - KiB4;
  const Paddr pa = 4 * GiB1 - MiB2 - KiB4;
  const std::uint64_t len = KiB4 + MiB2 + GiB1 + MiB2 + 2 * KiB4;
  {
    auto cursor = pt.cursor_mut(va, len);
    ASSERT_TRUE(cursor->map_phys({pa, pa + len}, RW).has_value());
  }
  EXPECT_EQ(leaf_levels(pt), (std::vector<PagingLevel>{1, 2, 3, 2, 1, 1}));
  expect_invariants(pt);
  const auto t = testing::soft_translate(pt.root_paddr(), 4, va + len - 1);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->pa, pa + len - 1);
}

TEST_F(PageTableTest, Without1GPagesUses2M) {
  auto pt = make(/*huge_1g=*/false);
  auto cursor = pt.cursor_mut(KBASE, GiB1);
  ASSERT_TRUE(cursor->map_phys({GiB1, 2 * GiB1}, RW).has_value());
  const auto levels = leaf_levels(pt);
  EXPECT_EQ(levels.size(), 512u);
  EXPECT_EQ(levels.front(), 2);
}

TEST_F(PageTableTest, MisalignedPhysicalRangeFallsBackTo4K) {
  auto pt = make();
  {
    auto cursor = pt.cursor_mut(KBASE, MiB2);
    ASSERT_TRUE(cursor->map_phys({KiB4, KiB4 + MiB2}, RW).has_value());
  }
  EXPECT_EQ(leaf_levels(pt).size(), 512u);
  expect_invariants(pt);
}

// ---- Splitting huge pages -----------------------------------------------------------------

TEST_F(PageTableTest, PartialUnmapSplitsAHugePageKeepingItsProperty) {
  auto pt = make();
  const PageProperty wc{PageFlags::RW, CachePolicy::WriteCombining, false, true};
  {
    auto cursor = pt.cursor_mut(KBASE, GiB1);
    ASSERT_TRUE(cursor->map_phys({GiB1, 2 * GiB1}, wc).has_value());
  }
  const Vaddr hole = KBASE + 5 * MiB2 + 7 * KiB4;
  {
    auto cursor = pt.cursor_mut(hole, KiB4);
    auto taken = cursor->take_next(KiB4);
    ASSERT_TRUE(taken.has_value() && taken->has_value());
    EXPECT_EQ((*taken)->mapping.va, hole);
    EXPECT_EQ((*taken)->mapping.size, KiB4);
    EXPECT_EQ((*taken)->mapping.pa, GiB1 + (hole - KBASE));
    EXPECT_FALSE((*taken)->frame.has_value());
  }
  expect_invariants(pt);
  EXPECT_EQ(leaf_levels(pt).size(), 511u + 511u);
  EXPECT_FALSE(testing::soft_translate(pt.root_paddr(), 4, hole).has_value());
  for (const Vaddr va : {KBASE, hole - KiB4, hole + KiB4, KBASE + GiB1 - 1}) {
    const auto t = testing::soft_translate(pt.root_paddr(), 4, va);
    ASSERT_TRUE(t.has_value());
    EXPECT_EQ(t->pa, GiB1 + (va - KBASE));
    EXPECT_EQ(t->cache, CachePolicy::WriteCombining);
    EXPECT_TRUE(t->writable && t->global && !t->executable);
  }
}

TEST_F(PageTableTest, ProtectInsideAHugePageSplitsOnlyWhatItMust) {
  auto pt = make();
  {
    auto cursor = pt.cursor_mut(KBASE, GiB1);
    ASSERT_TRUE(cursor->map_phys({0, GiB1}, RW).has_value());
  }
  auto cursor = pt.cursor_mut(KBASE + MiB2, MiB2);
  auto range = cursor->protect_next(MiB2, [](PageProperty& p) { p.flags = PageFlags::R; });
  ASSERT_TRUE(range.has_value() && range->has_value());
  EXPECT_EQ(**range, (VaRange{KBASE + MiB2, MiB2}));
  EXPECT_FALSE(cursor->protect_next(KiB4, [](PageProperty&) {}).has_value());  // done
  cursor->flush();
  EXPECT_EQ(leaf_levels(pt).size(), 512u);  // 1 GiB → 512 × 2 MiB, no 4 KiB
  EXPECT_FALSE(testing::soft_access_ok(pt.root_paddr(), 4, KBASE + MiB2, testing::Access::Write));
  EXPECT_TRUE(testing::soft_access_ok(pt.root_paddr(), 4, KBASE, testing::Access::Write));
  EXPECT_TRUE(testing::soft_access_ok(pt.root_paddr(), 4, KBASE + 2 * MiB2, testing::Access::Write));
}

// ---- TLB policy ---------------------------------------------------------------------------

TEST_F(PageTableTest, UnmapFlushesPagesThenEverythingPast32) {
  auto pt = make();
  {
    auto cursor = pt.cursor_mut(KBASE, 64 * KiB4);
    ASSERT_TRUE(cursor->map_phys({KiB4, 65 * KiB4}, RW).has_value());
  }
  auto& stats = mm::testing::hal_stats();
  stats = {};
  {
    auto cursor = pt.cursor_mut(KBASE, 8 * KiB4);
    ASSERT_EQ(cursor->unmap(8 * KiB4).value(), 8 * KiB4);
  }
  EXPECT_EQ(stats.tlb_page_flushes, 8u);
  EXPECT_EQ(stats.tlb_full_flushes, 0u);
  stats = {};
  {
    auto cursor = pt.cursor_mut(KBASE + 8 * KiB4, 56 * KiB4);
    ASSERT_EQ(cursor->unmap(56 * KiB4).value(), 56 * KiB4);
  }
  EXPECT_EQ(stats.tlb_full_flushes, 1u);
  // Then the cursor detaches the three emptied nodes: one invlpg each (it also drops the
  // paging-structure caches) before they are freed.
  EXPECT_EQ(stats.tlb_page_flushes, 3u);
}

TEST_F(PageTableTest, MappingNeedsNoFlushAndCursorsDisableInterrupts) {
  auto pt = make();
  auto& stats = mm::testing::hal_stats();
  stats = {};
  {
    auto cursor = pt.cursor_mut(KBASE, MiB2);
    EXPECT_FALSE(stats.irqs_enabled);
    ASSERT_TRUE(cursor->map_phys({0, MiB2}, RW).has_value());
  }
  EXPECT_TRUE(stats.irqs_enabled);
  EXPECT_EQ(stats.tlb_page_flushes + stats.tlb_full_flushes, 0u);
}

// ---- Reclamation --------------------------------------------------------------------------

TEST_F(PageTableTest, MapThenUnmapReturnsNodesAndFrames) {
  auto pt = make();
  drain_cpu_cache();
  const std::uint64_t nodes = live_pt_nodes();
  const std::uint64_t free_frames = allocator_stats().total_free_frames;
  {
    std::vector<UFrame> frames;
    for (int i = 0; i < 40; ++i) frames.push_back(frame());
    auto cursor = pt.cursor_mut(KBASE, 64 * GiB1);
    for (int i = 0; i < 40; ++i) {
      ASSERT_TRUE(cursor->jump(KBASE + i * (GiB1 + 3 * MiB2 + 5 * KiB4)).has_value());
      ASSERT_TRUE(cursor->map(frames[i], RW).has_value());
    }
    ASSERT_TRUE(cursor->jump(KBASE + 50 * GiB1 + KiB4).has_value());
    ASSERT_TRUE(cursor->map_phys({KiB4, GiB1 + MiB2}, RW).has_value());
  }
  expect_invariants(pt);
  EXPECT_GT(live_pt_nodes(), nodes + 40);
  {
    // Partial unmaps, in pieces, through differently sized cursors.
    auto small = pt.cursor_mut(KBASE + 50 * GiB1, MiB2);
    ASSERT_TRUE(small->unmap(MiB2).has_value());
  }
  {
    auto cursor = pt.cursor_mut(KBASE, 64 * GiB1);
    ASSERT_TRUE(cursor->unmap(64 * GiB1).has_value());
  }
  expect_invariants(pt);
  EXPECT_EQ(live_pt_nodes(), nodes);
  drain_cpu_cache();
  EXPECT_EQ(allocator_stats().total_free_frames, free_frames);
}

TEST_F(PageTableTest, ACursorWhoseGuardEndsEmptyStillFreesIt) {
  auto pt = make();
  const std::uint64_t nodes = live_pt_nodes();
  {
    auto cursor = pt.cursor_mut(KBASE, 2 * KiB4);
    ASSERT_TRUE(cursor->map_phys({0, 2 * KiB4}, RW).has_value());
  }
  {
    // This cursor's guard is the level-1 node itself: it must still be reclaimed.
    auto cursor = pt.cursor_mut(KBASE, KiB4);
    ASSERT_TRUE(cursor->unmap(KiB4).has_value());
    auto other = std::move(*cursor);  // a moved cursor keeps its locks and duties
  }
  EXPECT_EQ(live_pt_nodes(), nodes + 3);
  {
    auto cursor = pt.cursor_mut(KBASE + KiB4, KiB4);
    ASSERT_TRUE(cursor->unmap(KiB4).has_value());
  }
  EXPECT_EQ(live_pt_nodes(), nodes);
  expect_invariants(pt);
}

TEST_F(PageTableTest, DestroyingATableReleasesEverything) {
  drain_cpu_cache();
  const std::uint64_t nodes = live_pt_nodes();
  const std::uint64_t free_frames = allocator_stats().total_free_frames;
  UFrame f = frame();
  {
    auto pt = make();
    auto cursor = pt.cursor_mut(KBASE, 4 * GiB1);
    ASSERT_TRUE(cursor->map(f, RW).has_value());
    ASSERT_TRUE(cursor->map_phys({0, 3 * GiB1}, RW).has_value());
  }
  EXPECT_EQ(f.reference_count(), 1u);
  EXPECT_EQ(live_pt_nodes(), nodes);
  { UFrame dropped = std::move(f); }
  drain_cpu_cache();
  EXPECT_EQ(allocator_stats().total_free_frames, free_frames);
}

// ---- W^X ----------------------------------------------------------------------------------

// The kernel config without its W^X policy, so that check_wx has a W+X leaf to find (the
// kernel config itself refuses one: mm/kspace/kspace_test.cc).
struct WxPermissiveKernelConfig : KernelPtConfig<4> {
  static constexpr bool FORBID_WX = false;
};

TEST_F(PageTableTest, CheckWxFindsWritableExecutableLeaves) {
  auto pt = make<WxPermissiveKernelConfig>();
  {
    auto cursor = pt.cursor_mut(KBASE, 4 * KiB4);
    ASSERT_TRUE(cursor->map_phys({0, KiB4}, {PageFlags::RX}).has_value());
    ASSERT_TRUE(cursor->map_phys({KiB4, 2 * KiB4}, RW).has_value());
  }
  EXPECT_TRUE(check_wx(pt).has_value());
  {
    auto cursor = pt.cursor_mut(KBASE + 3 * KiB4, KiB4);
    ASSERT_TRUE(cursor->map_phys({KiB4, 2 * KiB4}, {PageFlags::RWX}).has_value());
  }
  const auto wx = check_wx(pt);
  ASSERT_FALSE(wx.has_value());
  EXPECT_EQ(wx.error().va, KBASE + 3 * KiB4);
}

// ---- 5-level paging ---------------------------------------------------------------------------

TEST_F(PageTableTest, FiveLevelTablesUseTheWholeUpperHalf) {
  auto pt = make<K5>();
  const Vaddr low = 0xff00'0000'0000'0000;  // below the 4-level kernel half
  UFrame f = frame();
  {
    auto cursor = pt.cursor_mut(low, KiB4);
    ASSERT_TRUE(cursor.has_value());
    ASSERT_TRUE(cursor->map(f, RW).has_value());
  }
  {
    auto cursor = pt.cursor_mut(TOP_PAGE - GiB1 + KiB4, GiB1);
    ASSERT_TRUE(cursor->map_phys({GiB1, 2 * GiB1}, RO).has_value());  // not 1G aligned: 2M + 4K
  }
  expect_invariants(pt);
  const auto t = testing::soft_translate(pt.root_paddr(), 5, low + 8);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->pa, f.paddr() + 8);
  EXPECT_FALSE(testing::soft_translate(pt.root_paddr(), 5, 0xfe00'0000'0000'0000).has_value());
  EXPECT_EQ(pt.cursor(0xfeff'ffff'ffff'f000, KiB4).error(), PtError::OutOfRange);
  testing::PtShape shape;
  EXPECT_EQ(testing::check_pt_invariants(pt, &shape), "");
  EXPECT_EQ(shape.mapped_bytes, KiB4 + GiB1);
}

}  // namespace
}  // namespace mm::pt
