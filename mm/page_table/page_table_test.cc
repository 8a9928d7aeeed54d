// Page tables over simulated memory: range checks first (the overflows the vostd
// verification found), then map/query/unmap, page-size choice, splitting, protection,
// TLB flush policy, node reclamation, W^X, and 5-level paging.
#include <gtest/gtest.h>

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "mm/allocator/frame_allocator.h"
#include "mm/allocator/stats.h"
#include "mm/allocator/testing/sim_frames.h"
#include "mm/page_table/leaf_walk.h"
#include "mm/page_table/page_table.h"
#include "mm/page_table/testing/pt_invariants.h"
#include "mm/page_table/testing/soft_mmu.h"
#include "mm/page_table/wx_check.h"
#include "mm/testing/host_cpus.h"
#include "mm/testing/sim_memory.h"

namespace mm::page_table {
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
static_assert(CanMap<CursorMut<K4>, frame::Frame<frame::UntypedMeta>> &&
              CanMap<CursorMut<K4>, frame::UFrame>);
static_assert(!CanMap<CursorMut<K4>, frame::Frame<PageTablePageMeta<K4>>>);
static_assert(!CanMap<CursorMut<K4>, frame::AnyFrame>);

class PageTableTest : public ::testing::Test {
 protected:
  PageTableTest() : world_(64ull << 20) {}

  template <PageTableConfig C = K4>
  PageTable<C> make(bool huge_1g = true) {
    auto pt = PageTable<C>::create({.supports_1g_pages = huge_1g});
    EXPECT_TRUE(pt.has_value());
    return std::move(*pt);
  }
  frame::UFrame frame() {
    return allocator::alloc_frame(frame::UntypedMeta{}).value().into_shared();
  }

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

  mm::allocator::testing::SimFrames world_;
};

// ---- Range checks: overflow-safe ----------------------------------------------------------

TEST_F(PageTableTest, RangeEndingAtTopOfAddressSpaceIsValid) {
  auto pt = make();
  // [TOP_PAGE, 2^64): its "end" is 0. A naive va + len < end check rejects or wraps.
  {
    auto cursor = pt.cursor_mut(TOP_PAGE, KiB4);
    ASSERT_TRUE(cursor.has_value());
    EXPECT_EQ(cursor->range_last(), ~Vaddr{0});
  }  // (a second overlapping cursor on this thread would panic: see the death test)
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

// Virtual ranges are canonical for the table's paging mode: an address canonical only with
// 5 levels (57-bit) is refused by a 4-level table, and one outside 57 bits by both.
TEST_F(PageTableTest, VirtualRangesAreCanonicalForThePagingMode) {
  using U5 = UserPtConfig<5>;
  auto k4 = make<K4>();
  auto k5 = make<K5>();
  auto u4 = make<U4>();
  auto u5 = make<U5>();
  constexpr Vaddr K5_ONLY = 0xff00'0000'0000'0000;  // canonical with 57 bits, not with 48
  constexpr Vaddr U5_ONLY = 0x0000'8000'0000'0000;
  EXPECT_EQ(k4.cursor(K5_ONLY, KiB4).error(), PtError::OutOfRange);
  EXPECT_EQ(k4.cursor(0xffff'7fff'ffff'f000, KiB4).error(), PtError::OutOfRange);
  EXPECT_TRUE(k5.cursor(K5_ONLY, KiB4).has_value());
  EXPECT_EQ(k5.cursor(0xfeff'ffff'ffff'f000, KiB4).error(), PtError::OutOfRange);
  EXPECT_EQ(k5.cursor(0x8000'0000'0000'0000, KiB4).error(), PtError::OutOfRange);
  EXPECT_EQ(u4.cursor(U5_ONLY, KiB4).error(), PtError::OutOfRange);
  EXPECT_TRUE(u5.cursor(U5_ONLY, KiB4).has_value());
  EXPECT_TRUE(u5.cursor(0x00ff'ffff'ffff'f000, KiB4).has_value());
  EXPECT_EQ(u5.cursor(0x0100'0000'0000'0000, KiB4).error(), PtError::OutOfRange);
  EXPECT_EQ(u5.cursor(0x00ff'ffff'ffff'f000, 2 * KiB4).error(), PtError::OutOfRange);
  // The static bounds the checks use.
  static_assert(config_va_start<K4> == 0xffff'8000'0000'0000 && config_va_start<K5> == K5_ONLY);
  static_assert(config_va_last<U4> == U5_ONLY - 1);
}

// ---- Physical ranges: below the CPU's width and the PTE limit -----------------------------

// Sets what the host HAL reports as the CPU's physical address width for one test.
class PhysBitsScope {
 public:
  explicit PhysBitsScope(unsigned bits) : saved_(mm::testing::hal_stats().phys_addr_bits) {
    mm::testing::hal_stats().phys_addr_bits = bits;
  }
  ~PhysBitsScope() { mm::testing::hal_stats().phys_addr_bits = saved_; }

 private:
  unsigned saved_;
};

TEST_F(PageTableTest, PhysOutOfRangeHasAName) {
  EXPECT_STREQ(error_name(PtError::PhysOutOfRange), "PhysOutOfRange");
}

TEST_F(PageTableTest, MapPhysAtOrAboveThePteLimitIsRefusedNotMasked) {
  PhysBitsScope bits(63);  // a CPU wider than the format: the PTE's 52 bits are the limit
  auto pt = make();
  const std::uint64_t nodes = live_pt_nodes();
  constexpr Paddr LIMIT = Paddr{1} << 52;
  {
    auto cursor = pt.cursor_mut(KBASE, 2 * MiB2);
    ASSERT_TRUE(cursor.has_value());
    // Masked with the PTE address mask, this one used to map physical 0x200000.
    EXPECT_EQ(cursor->map_phys({LIMIT + MiB2, LIMIT + 2 * MiB2}, RW).error(),
              PtError::PhysOutOfRange);
    EXPECT_EQ(cursor->map_phys({LIMIT - MiB2, LIMIT + MiB2}, RW).error(),  // straddles
              PtError::PhysOutOfRange);
    EXPECT_EQ(cursor->map_phys({~Paddr{0} & ~(KiB4 - 1), 0}, RW).error(),  // wraps: empty
              PtError::EmptyRange);
    EXPECT_EQ(cursor->va(), KBASE);  // did not move
  }
  EXPECT_TRUE(leaf_levels(pt).empty());  // nothing mapped
  EXPECT_EQ(live_pt_nodes(), nodes);     // no node created
  EXPECT_FALSE(testing::soft_translate(pt.root_paddr(), 4, KBASE).has_value());
  // Up to the limit itself is fine.
  {
    auto cursor = pt.cursor_mut(KBASE, MiB2);
    ASSERT_TRUE(cursor->map_phys({LIMIT - MiB2, LIMIT}, RW).has_value());
  }
  const auto t = testing::soft_translate(pt.root_paddr(), 4, KBASE + MiB2 - 1);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->pa, LIMIT - 1);
  expect_invariants(pt);
}

TEST_F(PageTableTest, MapPhysAboveTheCpuPhysicalWidthIsRefused) {
  PhysBitsScope bits(46);
  constexpr Paddr LIMIT = Paddr{1} << 46;
  auto pt = make<K5>();
  const std::uint64_t nodes = live_pt_nodes();
  {
    auto cursor = pt.cursor_mut(KBASE, 4 * KiB4);
    ASSERT_TRUE(cursor.has_value());
    EXPECT_EQ(cursor->map_phys({LIMIT, LIMIT + KiB4}, RW).error(), PtError::PhysOutOfRange);
    EXPECT_EQ(cursor->map_phys({LIMIT - KiB4, LIMIT + KiB4}, RW).error(),
              PtError::PhysOutOfRange);
  }
  EXPECT_TRUE(leaf_levels(pt).empty());
  EXPECT_EQ(live_pt_nodes(), nodes);
  {
    auto cursor = pt.cursor_mut(KBASE, KiB4);
    ASSERT_TRUE(cursor->map_phys({LIMIT - KiB4, LIMIT}, RW).has_value());
  }
  const auto t = testing::soft_translate(pt.root_paddr(), 5, KBASE + 8);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->pa, LIMIT - KiB4 + 8);
  // A narrower CPU (36 bits) refuses what the 46-bit one took.
  PhysBitsScope narrow(36);
  auto cursor = pt.cursor_mut(KBASE + KiB4, KiB4);
  EXPECT_EQ(cursor->map_phys({LIMIT - KiB4, LIMIT}, RW).error(), PtError::PhysOutOfRange);
  EXPECT_EQ(cursor->map_phys({(Paddr{1} << 36), (Paddr{1} << 36) + KiB4}, RW).error(),
            PtError::PhysOutOfRange);
  EXPECT_TRUE(cursor->map_phys({(Paddr{1} << 36) - KiB4, Paddr{1} << 36}, RW).has_value());
}

// ---- Lock misuse ------------------------------------------------------------------------

// The node the walk from the root toward `va` reaches at `level` (it must exist).
template <PageTableConfig C>
Paddr node_at(const PageTable<C>& pt, Vaddr va, PagingLevel level) {
  Paddr node = pt.root_paddr();
  for (PagingLevel l = C::NR_LEVELS; l > level; --l) {
    node = C::Pte::child_paddr(NodeRef<C>(node).read(index_at(va, l)));
  }
  return node;
}

std::string self_deadlock_message(Paddr node) {
  char expected[128];
  std::snprintf(expected, sizeof(expected),
                "page-table node %#llx: lock acquired twice by CPU 0: deadlock",
                static_cast<unsigned long long>(node));
  return expected;
}

TEST_F(PageTableTest, TwoOverlappingCursorsOnOneCpuPanicNamingTheRoot) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  auto pt = make();
  // An empty table: both cursors' guards are the root.
  EXPECT_DEATH(
      {
        auto first = pt.cursor_mut(KBASE, 4 * KiB4);
        auto second = pt.cursor_mut(KBASE + KiB4, KiB4);  // would spin forever
      },
      self_deadlock_message(pt.root_paddr()));
}

// A second cursor while this CPU holds a lower node: it would lock the root above a held
// node. Disjoint or not, that can deadlock with another CPU whose cursor spans both ranges
// (it holds an upper node and waits for the lower one), so the lock-order checker
// (mm/lock_order/lock_order.h, on in test builds) stops it at the root, naming both levels.
std::string order_message(Paddr node, int level, int held_level) {
  char expected[160];
  std::snprintf(expected, sizeof(expected),
                "CPU 0 takes page-table node %#llx of level %d while it holds a node of level %d",
                static_cast<unsigned long long>(node), level, held_level);
  return expected;
}

TEST_F(PageTableTest, SecondCursorBelowAHeldNodeIsALockOrderPanic) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  auto pt = make();
  {
    auto cursor = pt.cursor_mut(KBASE, KiB4);
    ASSERT_TRUE(cursor->map_phys({KiB4, 2 * KiB4}, RW).has_value());
  }
  ASSERT_NE(node_at(pt, KBASE, 1), pt.root_paddr());
  // Overlapping: the first cursor's guard is the level-1 node.
  EXPECT_DEATH(
      {
        auto first = pt.cursor_mut(KBASE, 4 * KiB4);
        auto second = pt.cursor(KBASE + 2 * KiB4, KiB4);
      },
      order_message(pt.root_paddr(), 4, 1));
  // Disjoint, in another 1 GiB slot: the same hazard.
  EXPECT_DEATH(
      {
        auto first = pt.cursor_mut(KBASE, KiB4);
        auto far = pt.cursor_mut(KBASE + GiB1, KiB4);
      },
      order_message(pt.root_paddr(), 4, 1));
}

// Code that touches what a node's lock guards through a lock found at run time checks it
// first (NodeRef::assert_locked, node_lock.h): without the lock, that is a panic naming the
// node and the lock's owner, before the write.
std::string not_held_message(Paddr node, int owner) {
  char expected[128];
  std::snprintf(expected, sizeof(expected), "page-table node %#llx: lock not held by CPU 0 \\(owner: %d\\)",
                static_cast<unsigned long long>(node), owner);
  return expected;
}

TEST_F(PageTableTest, WritingAnEntryWithoutTheNodeLockPanicsNamingTheNode) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  auto pt = make();
  const NodeRef<K4> root(pt.root_paddr());
  EXPECT_DEATH(
      {
        root.assert_locked();
        root.writeLocked(K4::TOP_INDEX_BEGIN, K4::Pte::absent());
      },
      not_held_message(root.paddr(), -1));
  // Another CPU's lock is not this CPU's either.
  EXPECT_DEATH(
      {
        mm::testing::HostCpus cpus(2);
        {
          const mm::testing::HostCpus::Binding as_cpu1(cpus, 1);
          root.acquire();
        }
        root.assert_locked();
        root.writeLocked(K4::TOP_INDEX_BEGIN, K4::Pte::absent());
      },
      not_held_message(root.paddr(), 1));
  // Held by this CPU, the same write goes through.
  root.acquire();
  root.assert_locked();
  root.writeLocked(K4::TOP_INDEX_BEGIN, K4::Pte::absent());
  root.release();
  expect_invariants(pt);
}

TEST_F(PageTableTest, LocksRecordTheOwnerAndAreFreeAfterTheCursor) {
  auto pt = make();
  {
    auto cursor = pt.cursor_mut(KBASE, KiB4);
    ASSERT_TRUE(cursor->map_phys({KiB4, 2 * KiB4}, RW).has_value());
  }
  {
    auto a = pt.cursor_mut(KBASE, KiB4);  // guard: the level-1 node
    ASSERT_TRUE(a.has_value());
    const NodeRef<K4> guard(node_at(pt, KBASE, 1));
    EXPECT_EQ(guard.lock().owner_cpu(), 0);
    EXPECT_FALSE(NodeRef<K4>(pt.root_paddr()).lock().is_locked());
  }
  EXPECT_EQ(NodeRef<K4>(node_at(pt, KBASE, 1)).lock().owner_cpu(), -1);
  {  // and the checker saw them released: another cursor is fine now
    auto b = pt.cursor_mut(KBASE + GiB1, KiB4);
    ASSERT_TRUE(b.has_value());
  }
}

// ---- Map, query, unmap -------------------------------------------------------------------

TEST_F(PageTableTest, MapQueryTakeTrackedFrame) {
  auto pt = make();
  const std::uint64_t nodes = live_pt_nodes();
  frame::UFrame f = frame();
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
    EXPECT_EQ(*(*taken)->frame, frame::AnyFrame(f));
  }
  EXPECT_EQ(f.reference_count(), 1u);
  EXPECT_EQ(live_pt_nodes(), nodes);  // the emptied nodes were freed
  expect_invariants(pt);
  EXPECT_FALSE(testing::soft_translate(pt.root_paddr(), 4, KBASE).has_value());
}

TEST_F(PageTableTest, MappingOverAMappingIsRefused) {
  auto pt = make();
  frame::UFrame f = frame();
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
  {
    auto cursor = user.cursor_mut(0x40'0000, KiB4);
    EXPECT_EQ(cursor->map_phys({0, KiB4}, RW).error(), PtError::WrongKind);
    // A page-table page (typed metadata) cannot even be passed to map(): see the
    // MapsOnlyUntypedFrames concept check at the top of this file.
    EXPECT_EQ(cursor->map_phys({0x1001, 0x2000}, RW).error(), PtError::WrongKind);
  }  // one cursor at a time per CPU (mm/lock_order/lock_order.h)
  auto pt = make();
  auto kc = pt.cursor_mut(KBASE, KiB4);
  EXPECT_EQ(kc->map_phys({0x1001, 0x2000}, RW).error(), PtError::NotAligned);
  EXPECT_EQ(kc->map_phys({0x1000, 0x1000}, RW).error(), PtError::EmptyRange);
  EXPECT_EQ(kc->map_phys({0x1000, 0x3000}, RW).error(), PtError::OutOfRange);  // > cursor range
}

TEST_F(PageTableTest, UserTableMapsTrackedFramesWithUserBit) {
  auto pt = make<U4>();
  frame::UFrame f = frame();
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
  // The 56 pages and the three emptied nodes the cursor detaches go into one batch, flushed
  // once at the cursor's destruction (after its locks): past 32 entries, one full flush.
  EXPECT_EQ(stats.tlb_full_flushes, 1u);
  EXPECT_EQ(stats.tlb_page_flushes, 0u);
}

// unmap only owes its flush; the cursor's destruction sends it, once, after the locks.
TEST_F(PageTableTest, UnmapFlushesOnlyAfterTheCursorLetsGo) {
  auto pt = make();
  {
    auto cursor = pt.cursor_mut(KBASE, 4 * KiB4);
    ASSERT_TRUE(cursor->map_phys({KiB4, 5 * KiB4}, RW).has_value());
  }
  auto& stats = mm::testing::hal_stats();
  stats = {};
  {
    auto cursor = pt.cursor_mut(KBASE, 4 * KiB4);
    ASSERT_EQ(cursor->unmap(4 * KiB4).value(), 4 * KiB4);
    EXPECT_EQ(stats.tlb_page_flushes + stats.tlb_full_flushes, 0u);
  }
  EXPECT_EQ(stats.tlb_page_flushes, 7u);  // four pages and the three emptied nodes
}

// A cursor leaves interrupts as they were: a CPU waiting for its node locks, or holding
// them during a shootdown, must still take IPIs (node_lock.h).
TEST_F(PageTableTest, MappingNeedsNoFlushAndCursorsLeaveInterruptsAlone) {
  auto pt = make();
  auto& stats = mm::testing::hal_stats();
  stats = {};
  {
    auto cursor = pt.cursor_mut(KBASE, MiB2);
    EXPECT_TRUE(stats.irqs_enabled);
    ASSERT_TRUE(cursor->map_phys({0, MiB2}, RW).has_value());
  }
  EXPECT_TRUE(stats.irqs_enabled);
  EXPECT_EQ(stats.tlb_page_flushes + stats.tlb_full_flushes, 0u);
}

// ---- Reclamation --------------------------------------------------------------------------

TEST_F(PageTableTest, MapThenUnmapReturnsNodesAndFrames) {
  auto pt = make();
  allocator::drain_cpu_cache();
  const std::uint64_t nodes = live_pt_nodes();
  const std::uint64_t free_frames = allocator::allocator_stats().total_free_frames;
  {
    std::vector<frame::UFrame> frames;
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
  allocator::drain_cpu_cache();
  EXPECT_EQ(allocator::allocator_stats().total_free_frames, free_frames);
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
  allocator::drain_cpu_cache();
  const std::uint64_t nodes = live_pt_nodes();
  const std::uint64_t free_frames = allocator::allocator_stats().total_free_frames;
  frame::UFrame f = frame();
  {
    auto pt = make();
    auto cursor = pt.cursor_mut(KBASE, 4 * GiB1);
    ASSERT_TRUE(cursor->map(f, RW).has_value());
    ASSERT_TRUE(cursor->map_phys({0, 3 * GiB1}, RW).has_value());
  }
  EXPECT_EQ(f.reference_count(), 1u);
  EXPECT_EQ(live_pt_nodes(), nodes);
  { frame::UFrame dropped = std::move(f); }
  allocator::drain_cpu_cache();
  EXPECT_EQ(allocator::allocator_stats().total_free_frames, free_frames);
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
  frame::UFrame f = frame();
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

// ---- Tracked huge mappings (2 MiB and 1 GiB frames), 4- and 5-level -------------------------

// A world with a 1 GiB aligned free block ([1 GiB, 2 GiB)), so 1 GiB frames can be had.
template <typename C>
class TrackedHugeTest : public ::testing::Test {
 protected:
  using Pte = typename C::Pte;
  TrackedHugeTest() : world_(2 * GiB1) {}

  PageTable<C> make(bool huge_1g = true) {
    auto pt = PageTable<C>::create({.supports_1g_pages = huge_1g});
    EXPECT_TRUE(pt.has_value());
    return std::move(*pt);
  }
  // A shared untyped frame of `level` (1: 4 KiB, 2: 2 MiB, 3: 1 GiB), not zeroed.
  static frame::Frame<frame::UntypedMeta> frame_of(PagingLevel level) {
    auto f = allocator::alloc_frame(frame::UntypedMeta{}, {.zeroed = false, .level = level});
    EXPECT_TRUE(f.has_value());
    return std::move(*f).into_shared();
  }
  static std::uint64_t free_frames() {
    allocator::drain_cpu_cache();
    return allocator::allocator_stats().total_free_frames;
  }
  // The nodes a lone leaf of `level` needs below the root.
  static std::uint64_t nodes_for(PagingLevel level) { return C::NR_LEVELS - level; }

  static void expect_invariants(const PageTable<C>& pt) {
    EXPECT_EQ(testing::check_pt_invariants(pt), "");
  }
  static std::vector<PagingLevel> leaf_levels(const PageTable<C>& pt) {
    std::vector<PagingLevel> levels;
    for_each_leaf<C>(pt.root_paddr(), [&](Vaddr, PagingLevel level, typename Pte::Raw) {
      levels.push_back(level);
      return true;
    });
    return levels;
  }

  // Everything a refused operation must leave as it was: every leaf entry (raw), the node
  // count, the free frames, and the references of the frames the test watches.
  struct Snapshot {
    std::vector<std::pair<Vaddr, typename Pte::Raw>> leaves;
    std::uint64_t nodes = 0;
    std::uint64_t free = 0;
    std::vector<std::uint64_t> counts;
    bool operator==(const Snapshot&) const = default;
  };
  static Snapshot snapshot(const PageTable<C>& pt,
                           std::initializer_list<const frame::UFrame*> watched) {
    Snapshot s;
    for_each_leaf<C>(pt.root_paddr(), [&](Vaddr va, PagingLevel, typename Pte::Raw e) {
      s.leaves.emplace_back(va, e);
      return true;
    });
    s.nodes = live_pt_nodes();
    s.free = free_frames();
    for (const frame::UFrame* f : watched) s.counts.push_back(f->reference_count());
    return s;
  }

  mm::allocator::testing::SimFrames world_;
};

using Configs = ::testing::Types<K4, K5>;
TYPED_TEST_SUITE(TrackedHugeTest, Configs);

TYPED_TEST(TrackedHugeTest, MapsAFrameAsOneLeafOfItsSizeAndTakesItBackAsOneItem) {
  for (const PagingLevel level : {PagingLevel{2}, PagingLevel{3}}) {
    SCOPED_TRACE(level);
    auto pt = this->make();
    const std::uint64_t nodes = live_pt_nodes();
    const std::uint64_t size = page_size_at(level);
    frame::UFrame f = this->frame_of(level);
    ASSERT_EQ(f.size(), size);
    ASSERT_EQ(f.map_level(), level);
    ASSERT_EQ(f.reference_count(), 1u);
    {
      auto cursor = pt.cursor_mut(KBASE, 2 * GiB1);
      ASSERT_TRUE(cursor.has_value());
      ASSERT_TRUE(cursor->map(f, RW).has_value());
      EXPECT_EQ(cursor->va(), KBASE + size);  // moved past the whole frame
      EXPECT_EQ(f.reference_count(), 2u);     // one reference for the one leaf
      for (const Vaddr va : {KBASE, KBASE + size / 2, KBASE + size - KiB4}) {
        ASSERT_TRUE(cursor->jump(va).has_value());
        EXPECT_EQ(cursor->query(), (PtMapping{.va = KBASE, .size = size, .kind = MappingKind::Tracked,
                                              .pa = f.paddr(), .prop = RW, .level = level}));
      }
      ASSERT_TRUE(cursor->jump(KBASE + size).has_value());
      EXPECT_FALSE(cursor->query().mapped());
    }
    this->expect_invariants(pt);
    EXPECT_EQ(this->leaf_levels(pt), std::vector<PagingLevel>{level});
    EXPECT_EQ(live_pt_nodes(), nodes + this->nodes_for(level));
    for (const std::uint64_t off : {std::uint64_t{0}, size / 2 + 0x123, size - 1}) {
      const auto t = testing::soft_translate(pt.root_paddr(), TypeParam::NR_LEVELS, KBASE + off);
      ASSERT_TRUE(t.has_value());
      EXPECT_EQ(t->pa, f.paddr() + off);
      EXPECT_EQ(t->level, level);
      EXPECT_TRUE(t->tracked && t->writable && !t->executable);
    }
    EXPECT_FALSE(testing::soft_translate(pt.root_paddr(), TypeParam::NR_LEVELS, KBASE + size).has_value());
    {
      // Through a range larger than the frame: one item, the frame's handle back.
      auto cursor = pt.cursor_mut(KBASE, 2 * GiB1);
      auto taken = cursor->take_next(2 * GiB1);
      ASSERT_TRUE(taken.has_value() && taken->has_value());
      EXPECT_EQ((*taken)->mapping, (PtMapping{.va = KBASE, .size = size, .kind = MappingKind::Tracked,
                                              .pa = f.paddr(), .prop = RW, .level = level}));
      ASSERT_TRUE((*taken)->frame.has_value());
      EXPECT_EQ(*(*taken)->frame, f);
      EXPECT_EQ((*taken)->frame->size(), size);
      EXPECT_EQ((*taken)->frame->map_level(), level);
      EXPECT_EQ(f.reference_count(), 2u);  // the mapping's reference is now the item's
      EXPECT_EQ(cursor->va(), KBASE + size);
      auto more = cursor->take_next(2 * GiB1 - size);
      ASSERT_TRUE(more.has_value());
      EXPECT_FALSE(more->has_value());
      taken->reset();
      EXPECT_EQ(f.reference_count(), 1u);
    }
    EXPECT_EQ(live_pt_nodes(), nodes);
    this->expect_invariants(pt);
    EXPECT_FALSE(testing::soft_translate(pt.root_paddr(), TypeParam::NR_LEVELS, KBASE).has_value());
  }
}

TYPED_TEST(TrackedHugeTest, ProtectNextChangesTheWholeLeaf) {
  for (const PagingLevel level : {PagingLevel{2}, PagingLevel{3}}) {
    SCOPED_TRACE(level);
    auto pt = this->make();
    const std::uint64_t size = page_size_at(level);
    const Vaddr va = KBASE + GiB1;
    frame::UFrame f = this->frame_of(level);
    {
      auto cursor = pt.cursor_mut(va, size);
      ASSERT_TRUE(cursor->map(f, RW).has_value());
    }
    {
      auto cursor = pt.cursor_mut(va, size);  // exactly the leaf
      auto range = cursor->protect_next(size, [](PageProperty& p) { p.flags = PageFlags::R; });
      ASSERT_TRUE(range.has_value() && range->has_value());
      EXPECT_EQ(**range, (VaRange{va, size}));
      EXPECT_TRUE(cursor->done());
    }
    EXPECT_EQ(this->leaf_levels(pt), std::vector<PagingLevel>{level});  // not split
    for (const Vaddr at : {va, va + size / 2, va + size - 1}) {
      EXPECT_FALSE(testing::soft_access_ok(pt.root_paddr(), TypeParam::NR_LEVELS, at, testing::Access::Write));
      EXPECT_TRUE(testing::soft_access_ok(pt.root_paddr(), TypeParam::NR_LEVELS, at, testing::Access::Read));
    }
    {
      // And back, through a wider cursor that starts before it.
      auto cursor = pt.cursor_mut(KBASE, 4 * GiB1);
      auto range = cursor->protect_next(4 * GiB1, [](PageProperty& p) { p.flags = PageFlags::RX; });
      ASSERT_TRUE(range.has_value() && range->has_value());
      EXPECT_EQ(**range, (VaRange{va, size}));
      EXPECT_EQ(cursor->va(), va + size);
      ASSERT_TRUE(cursor->jump(va + size - KiB4).has_value());
      const PtMapping m = cursor->query();
      EXPECT_EQ(m.prop.flags, PageFlags::RX);
      EXPECT_EQ(m.pa, f.paddr());
      EXPECT_EQ(m.kind, MappingKind::Tracked);
    }
    EXPECT_TRUE(testing::soft_access_ok(pt.root_paddr(), TypeParam::NR_LEVELS, va + size - 1, testing::Access::Execute));
    EXPECT_EQ(f.reference_count(), 2u);
    this->expect_invariants(pt);
  }
}

TYPED_TEST(TrackedHugeTest, UnmapDropsTheReferenceAndFreesTheFrameWithTheLast) {
  for (const PagingLevel level : {PagingLevel{2}, PagingLevel{3}}) {
    SCOPED_TRACE(level);
    auto pt = this->make();
    const std::uint64_t size = page_size_at(level);
    const std::uint64_t frames = size / KiB4;
    const std::uint64_t nodes = live_pt_nodes();
    const std::uint64_t free = this->free_frames();
    {
      // With a handle still held: unmap only drops the mapping's reference.
      frame::UFrame f = this->frame_of(level);
      {
        auto cursor = pt.cursor_mut(KBASE, size);
        ASSERT_TRUE(cursor->map(f, RW).has_value());
      }
      EXPECT_EQ(f.reference_count(), 2u);
      {
        auto cursor = pt.cursor_mut(KBASE, size);
        EXPECT_EQ(cursor->unmap(size).value(), size);
      }
      EXPECT_EQ(f.reference_count(), 1u);
      EXPECT_EQ(this->free_frames(), free - frames);
    }
    EXPECT_EQ(this->free_frames(), free);
    Paddr pa = 0;
    {
      // The mapping holds the last reference: unmapping frees the frame.
      frame::UFrame f = this->frame_of(level);
      pa = f.paddr();
      auto cursor = pt.cursor_mut(KBASE, 2 * GiB1);
      ASSERT_TRUE(cursor->map(f, RW).has_value());
    }
    EXPECT_EQ(mm::allocator::testing::slot_of(pa).ref_count.load(), 1u);
    EXPECT_EQ(this->free_frames(), free - frames - this->nodes_for(level));
    {
      auto cursor = pt.cursor_mut(KBASE, 2 * GiB1);
      EXPECT_EQ(cursor->unmap(2 * GiB1).value(), size);
    }
    EXPECT_EQ(live_pt_nodes(), nodes);
    EXPECT_EQ(this->free_frames(), free);
    {
      // The same through take_next: dropping the item frees it.
      frame::UFrame f = this->frame_of(level);
      auto cursor = pt.cursor_mut(KBASE, size);
      ASSERT_TRUE(cursor->map(f, RW).has_value());
    }
    {
      auto cursor = pt.cursor_mut(KBASE, size);
      auto taken = cursor->take_next(size);
      ASSERT_TRUE(taken.has_value() && taken->has_value() && (*taken)->frame.has_value());
      EXPECT_EQ((*taken)->frame->reference_count(), 1u);
    }
    EXPECT_EQ(live_pt_nodes(), nodes);
    EXPECT_EQ(this->free_frames(), free);
    this->expect_invariants(pt);
  }
}

TYPED_TEST(TrackedHugeTest, EveryPartialRangeIsRefusedAndChangesNothing) {
  for (const PagingLevel level : {PagingLevel{2}, PagingLevel{3}}) {
    SCOPED_TRACE(level);
    auto pt = this->make();
    const std::uint64_t size = page_size_at(level);
    const Vaddr base = KBASE + 2 * size;  // mapped neighbours' room on both sides
    frame::UFrame f = this->frame_of(level);
    frame::UFrame below = this->frame_of(1);
    {
      auto cursor = pt.cursor_mut(base, size);
      ASSERT_TRUE(cursor->map(f, RW).has_value());
    }
    {
      auto cursor = pt.cursor_mut(base - size, KiB4);
      ASSERT_TRUE(cursor->map(below, RW).has_value());
    }
    const auto before = this->snapshot(pt, {&f, &below});
    std::vector<std::pair<Vaddr, std::uint64_t>> ranges = {
        {base, KiB4},                          // its first page
        {base + KiB4, size - KiB4},            // all but its first page
        {base, size - KiB4},                   // all but its last page
        {base + size - KiB4, KiB4},            // its last page
        {base + size - KiB4, 2 * KiB4},        // its last page and beyond
        {base - KiB4, 2 * KiB4},               // from before it into its first page
        {base + size / 2, size},               // its upper half and as much beyond
    };
    if (level == 3) ranges.emplace_back(base + MiB2, MiB2);  // one 2 MiB piece of 1 GiB
    for (const auto& [va, len] : ranges) {
      SCOPED_TRACE(::testing::Message() << "range [" << std::hex << va << ", +" << len << ")");
      for (const bool wide : {false, true}) {
        for (int op = 0; op < 3; ++op) {
          SCOPED_TRACE(::testing::Message() << "op " << op << (wide ? " wide" : " exact"));
          {
            auto cursor = wide ? pt.cursor_mut(base - size, 4 * size) : pt.cursor_mut(va, len);
            ASSERT_TRUE(cursor.has_value());
            ASSERT_TRUE(cursor->jump(va).has_value());
            std::optional<PtError> error;
            if (op == 0) {
              const auto r = cursor->unmap(len);
              if (!r) error = r.error();
            } else if (op == 1) {
              const auto r = cursor->take_next(len);
              if (!r) error = r.error();
            } else {
              const auto r = cursor->protect_next(len, [](PageProperty& p) { p.flags = PageFlags::R; });
              if (!r) error = r.error();
            }
            EXPECT_EQ(error, PtError::SplitsTrackedHuge);
          }
          EXPECT_EQ(this->snapshot(pt, {&f, &below}), before);
        }
      }
    }
    this->expect_invariants(pt);
    // The whole frame through the same kind of ranges is fine.
    {
      auto cursor = pt.cursor_mut(base - KiB4, size + 2 * KiB4);
      EXPECT_EQ(cursor->unmap(size + 2 * KiB4).value(), size);
    }
    EXPECT_EQ(f.reference_count(), 1u);
    EXPECT_EQ(below.reference_count(), 2u);
  }
}

// pt_error.h: unmap refuses a range whose end cuts a tracked huge leaf before it changes
// anything: the leaves of its range before that one stay mapped.
TYPED_TEST(TrackedHugeTest, UnmapRefusesATrackedHugeLeafItCannotSplitChangingNothing) {
  auto pt = this->make();
  const Vaddr base = KBASE + 4 * MiB2;
  frame::UFrame f = this->frame_of(2);
  frame::UFrame small = this->frame_of(1);
  {
    auto cursor = pt.cursor_mut(base - KiB4, MiB2 + KiB4);
    ASSERT_TRUE(cursor->map(small, RW).has_value());
    ASSERT_TRUE(cursor->map(f, RW).has_value());
  }
  {
    auto cursor = pt.cursor_mut(base - KiB4, 2 * KiB4);
    EXPECT_EQ(cursor->unmap(2 * KiB4).error(), PtError::SplitsTrackedHuge);
  }
  EXPECT_EQ(small.reference_count(), 2u);
  EXPECT_EQ(f.reference_count(), 2u);
  EXPECT_EQ(this->leaf_levels(pt), (std::vector<PagingLevel>{1, 2}));
  this->expect_invariants(pt);
}

TYPED_TEST(TrackedHugeTest, MisalignedAddressesAreRefused) {
  auto pt = this->make();
  frame::UFrame f2 = this->frame_of(2);
  frame::UFrame f3 = this->frame_of(3);
  const auto before = this->snapshot(pt, {&f2, &f3});
  {
    auto cursor = pt.cursor_mut(KBASE, 4 * GiB1);
    for (const Vaddr va : {KBASE + KiB4, KBASE + MiB2 - KiB4, KBASE + 3 * MiB2 / 2}) {
      ASSERT_TRUE(cursor->jump(va).has_value());
      EXPECT_EQ(cursor->map(f2, RW).error(), PtError::NotAligned);
      EXPECT_EQ(cursor->va(), va);
    }
    for (const Vaddr va : {KBASE + KiB4, KBASE + MiB2, KBASE + GiB1 / 2}) {
      ASSERT_TRUE(cursor->jump(va).has_value());
      EXPECT_EQ(cursor->map(f3, RW).error(), PtError::NotAligned);
    }
  }
  EXPECT_EQ(this->snapshot(pt, {&f2, &f3}), before);
  {
    // A cursor too small for the frame.
    auto cursor = pt.cursor_mut(KBASE, MiB2 - KiB4);
    EXPECT_EQ(cursor->map(f2, RW).error(), PtError::OutOfRange);
  }
  EXPECT_EQ(this->snapshot(pt, {&f2, &f3}), before);
}

TYPED_TEST(TrackedHugeTest, MappingOverAMappingIsRefused) {
  auto pt = this->make();
  frame::UFrame f = this->frame_of(2);
  frame::UFrame g = this->frame_of(2);
  frame::UFrame h = this->frame_of(1);
  frame::UFrame giant = this->frame_of(3);
  {
    auto cursor = pt.cursor_mut(KBASE, 4 * GiB1);
    ASSERT_TRUE(cursor->map(f, RW).has_value());                     // [0, 2M)
    ASSERT_TRUE(cursor->jump(KBASE + MiB2 + 8 * KiB4).has_value());
    ASSERT_TRUE(cursor->map(h, RW).has_value());                     // 4 KiB inside [2M, 4M)
    ASSERT_TRUE(cursor->jump(KBASE + 2 * MiB2).has_value());
    ASSERT_TRUE(cursor->map_phys({0, MiB2}, RW).has_value());        // untracked [4M, 6M)
    ASSERT_TRUE(cursor->jump(KBASE + GiB1).has_value());
    ASSERT_TRUE(cursor->map_phys({0, GiB1}, RW).has_value());        // untracked 1 GiB
  }
  const auto before = this->snapshot(pt, {&f, &g, &h, &giant});
  const auto refused = [&](auto& cursor, Vaddr va, const frame::UFrame& frame) {
    ASSERT_TRUE(cursor->jump(va).has_value());
    EXPECT_EQ(cursor->map(frame, RW).error(), PtError::AlreadyMapped) << std::hex << va;
  };
  for (const bool wide : {false, true}) {
    {
      auto cursor = wide ? pt.cursor_mut(KBASE, 4 * GiB1) : pt.cursor_mut(KBASE, MiB2);
      refused(cursor, KBASE, g);              // over the same tracked 2 MiB leaf
      refused(cursor, KBASE, f);              // the very frame again
      refused(cursor, KBASE + 8 * KiB4, h);   // 4 KiB inside the tracked 2 MiB leaf
    }
    {
      auto cursor = wide ? pt.cursor_mut(KBASE, 4 * GiB1) : pt.cursor_mut(KBASE + MiB2, MiB2);
      refused(cursor, KBASE + MiB2, g);       // a 4 KiB mapping inside its range
    }
    {
      auto cursor = wide ? pt.cursor_mut(KBASE, 4 * GiB1) : pt.cursor_mut(KBASE + 2 * MiB2, MiB2);
      refused(cursor, KBASE + 2 * MiB2, g);   // an untracked 2 MiB leaf
    }
    {
      auto cursor = wide ? pt.cursor_mut(KBASE, 4 * GiB1) : pt.cursor_mut(KBASE + GiB1, GiB1);
      refused(cursor, KBASE + GiB1 + MiB2, g);  // inside an untracked 1 GiB leaf
      refused(cursor, KBASE + GiB1, giant);     // over it
    }
    {
      auto cursor = wide ? pt.cursor_mut(KBASE, 4 * GiB1) : pt.cursor_mut(KBASE, GiB1);
      refused(cursor, KBASE, giant);          // 1 GiB over 2 MiB and 4 KiB leaves
    }
    EXPECT_EQ(this->snapshot(pt, {&f, &g, &h, &giant}), before);
  }
  EXPECT_EQ(f.reference_count(), 2u);
  EXPECT_EQ(g.reference_count(), 1u);
  EXPECT_EQ(h.reference_count(), 2u);
  EXPECT_EQ(giant.reference_count(), 1u);
  this->expect_invariants(pt);
}

// A node the cursor emptied (and has not reclaimed yet) is no mapping: a huge frame may
// replace it.
TYPED_TEST(TrackedHugeTest, MapsOverANodeTheCursorLeftEmpty) {
  for (const PagingLevel level : {PagingLevel{2}, PagingLevel{3}}) {
    SCOPED_TRACE(level);
    const std::uint64_t size = page_size_at(level);
    for (int variant = 0; variant < 3; ++variant) {
      SCOPED_TRACE(variant);
      auto pt = this->make();
      const std::uint64_t nodes = live_pt_nodes();
      const Vaddr va = KBASE + size;
      frame::UFrame f = this->frame_of(level);
      {
        frame::UFrame small = this->frame_of(1);
        const Vaddr small_va = va + size / 2 + 3 * KiB4;
        if (variant == 2) {
          // The 4 KiB page exists before the cursor: a cursor over exactly [va, va + size)
          // must still be able to replace the node that held it.
          auto cursor = pt.cursor_mut(small_va, KiB4);
          ASSERT_TRUE(cursor->map(small, RW).has_value());
        }
        auto cursor = variant == 1 ? pt.cursor_mut(KBASE, 4 * GiB1) : pt.cursor_mut(va, size);
        ASSERT_TRUE(cursor.has_value());
        ASSERT_TRUE(cursor->jump(small_va).has_value());
        if (variant != 2) ASSERT_TRUE(cursor->map(small, RW).has_value());
        ASSERT_TRUE(cursor->jump(small_va).has_value());
        auto taken = cursor->take_next(KiB4);
        ASSERT_TRUE(taken.has_value() && taken->has_value());
        ASSERT_TRUE(cursor->jump(va).has_value());
        const auto mapped = cursor->map(f, RW);
        ASSERT_TRUE(mapped.has_value()) << error_name(mapped.error());
        EXPECT_EQ(cursor->va(), va + size);
        ASSERT_TRUE(cursor->jump(small_va).has_value());
        EXPECT_EQ(cursor->query().size, size);
      }
      this->expect_invariants(pt);
      EXPECT_EQ(this->leaf_levels(pt), std::vector<PagingLevel>{level});
      EXPECT_EQ(live_pt_nodes(), nodes + this->nodes_for(level));
      EXPECT_EQ(f.reference_count(), 2u);
      const auto t = testing::soft_translate(pt.root_paddr(), TypeParam::NR_LEVELS, va + size - 1);
      ASSERT_TRUE(t.has_value());
      EXPECT_EQ(t->pa, f.paddr() + size - 1);
    }
  }
}

TYPED_TEST(TrackedHugeTest, OneGiBFramesNeedOneGiBPages) {
  auto pt = this->make(/*huge_1g=*/false);
  frame::UFrame giant = this->frame_of(3);
  frame::UFrame f = this->frame_of(2);
  const auto before = this->snapshot(pt, {&giant});
  {
    auto cursor = pt.cursor_mut(KBASE, 2 * GiB1);
    EXPECT_EQ(cursor->map(giant, RW).error(), PtError::LevelUnsupported);
    EXPECT_EQ(cursor->va(), KBASE);
  }
  EXPECT_EQ(this->snapshot(pt, {&giant}), before);
  {
    auto cursor = pt.cursor_mut(KBASE, 2 * GiB1);
    EXPECT_TRUE(cursor->map(f, RW).has_value());  // 2 MiB pages are always there
  }
  EXPECT_EQ(giant.reference_count(), 1u);
  this->expect_invariants(pt);
}

TYPED_TEST(TrackedHugeTest, TheSameFrameAtTwoAddressesHoldsTwoReferences) {
  for (const PagingLevel level : {PagingLevel{2}, PagingLevel{3}}) {
    SCOPED_TRACE(level);
    auto pt = this->make();
    const std::uint64_t size = page_size_at(level);
    const std::uint64_t free = this->free_frames();
    {
      auto f = this->frame_of(level);  // Frame<UntypedMeta>, mapped without erasing it first
      const Vaddr a = KBASE;
      const Vaddr b = KBASE + 3 * size;
      {
        auto cursor = pt.cursor_mut(KBASE, 4 * GiB1);
        ASSERT_TRUE(cursor->map(f, RW).has_value());
        ASSERT_TRUE(cursor->jump(b).has_value());
        ASSERT_TRUE(cursor->map(f, RO).has_value());
      }
      EXPECT_EQ(f.reference_count(), 3u);
      for (const Vaddr va : {a, b}) {
        const auto t = testing::soft_translate(pt.root_paddr(), TypeParam::NR_LEVELS, va + size - 8);
        ASSERT_TRUE(t.has_value());
        EXPECT_EQ(t->pa, f.paddr() + size - 8);
        EXPECT_EQ(t->writable, va == a);
      }
      {
        auto cursor = pt.cursor_mut(a, size);
        ASSERT_TRUE(cursor->unmap(size).has_value());
      }
      EXPECT_EQ(f.reference_count(), 2u);
    }
    // b's mapping holds the last reference now.
    EXPECT_EQ(this->free_frames(), free - size / KiB4 - this->nodes_for(level));
    {
      auto cursor = pt.cursor_mut(KBASE, 4 * GiB1);
      EXPECT_EQ(cursor->unmap(4 * GiB1).value(), size);
    }
    EXPECT_EQ(this->free_frames(), free);
  }
}

TYPED_TEST(TrackedHugeTest, DestroyingATableReleasesHugeFrames) {
  const std::uint64_t free = this->free_frames();
  const std::uint64_t nodes = live_pt_nodes();
  frame::UFrame f = this->frame_of(2);
  {
    auto pt = this->make();
    auto cursor = pt.cursor_mut(KBASE, 4 * GiB1);
    ASSERT_TRUE(cursor->map(f, RW).has_value());
    ASSERT_TRUE(cursor->jump(KBASE + GiB1).has_value());
    ASSERT_TRUE(cursor->map(this->frame_of(3), RW).has_value());  // its only reference
  }
  EXPECT_EQ(f.reference_count(), 1u);
  EXPECT_EQ(live_pt_nodes(), nodes);
  EXPECT_EQ(this->free_frames(), free - MiB2 / KiB4);
}

}  // namespace
}  // namespace mm::page_table
