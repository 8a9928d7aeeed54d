// Every page-table operation that allocates nodes either completes or leaves the table as
// it was (pt_error.h). Each scenario runs with memory for 0, 1, 2, ... new frames (the
// rest of the allocator held by the test) until the operation succeeds: every failure
// point along the operation is hit once, and each failure must be OutOfMemory with the
// same leaves (address, level, entry) as before, a clean table, and no frame leaked.
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <string>
#include <tuple>
#include <vector>

#include "mm/allocator/frame_allocator.h"
#include "mm/allocator/stats.h"
#include "mm/allocator/testing/sim_frames.h"
#include "mm/page_table/leaf_walk.h"
#include "mm/page_table/page_table.h"
#include "mm/page_table/testing/pt_invariants.h"

namespace mm::page_table {
namespace {

using K4 = KernelPtConfig<4>;

constexpr std::uint64_t KiB4 = 4096;
constexpr std::uint64_t MiB2 = 2ull << 20;
constexpr std::uint64_t GiB1 = 1ull << 30;
constexpr Vaddr KBASE = 0xffff'9000'0000'0000;  // 1 GiB aligned
constexpr PageProperty RW{PageFlags::RW, CachePolicy::Writeback, false, true};
constexpr PageProperty RO{PageFlags::R, CachePolicy::Writeback, false, true};

using Leaves = std::vector<std::tuple<Vaddr, PagingLevel, std::uint64_t>>;

Leaves leaves_of(const PageTable<K4>& pt) {
  Leaves out;
  for_each_leaf<K4>(pt.root_paddr(), [&](Vaddr va, PagingLevel level, std::uint64_t raw) {
    out.emplace_back(va, level, raw);
    return true;
  });
  return out;
}

// Holds every free frame but `spare` while it lives.
class MemoryHeld {
 public:
  explicit MemoryHeld(std::uint64_t spare) {
    for (;;) {
      auto frame = allocator::alloc_frame(frame::UntypedMeta{}, {.zeroed = false});
      if (!frame) break;
      held_.push_back(std::move(*frame));
    }
    for (std::uint64_t i = 0; i < spare && !held_.empty(); ++i) held_.pop_back();
  }

 private:
  std::vector<frame::UniqueFrame<frame::UntypedMeta>> held_;
};

struct Scenario {
  const char* name;
  std::function<void(PageTable<K4>&)> setup;  // runs with all memory
  // The operation, in its own cursor; returns its error if it failed.
  std::function<std::optional<PtError>(PageTable<K4>&)> op;
};

class AllOrNothingTest : public ::testing::Test {
 protected:
  AllOrNothingTest() : world_(32ull << 20) {}

  // Returns how many new frames the operation needed.
  unsigned run(const Scenario& s) {
    for (unsigned spare = 0; spare < 16; ++spare) {
      allocator::drain_cpu_cache();
      const std::uint64_t free_before = allocator::allocator_stats().total_free_frames;
      std::optional<PtError> error;
      Leaves before;
      {
        auto pt = PageTable<K4>::create({.supports_1g_pages = true}).value();
        s.setup(pt);
        before = leaves_of(pt);
        {
          const MemoryHeld held(spare);
          error = s.op(pt);
        }
        if (error) {
          EXPECT_EQ(*error, PtError::OutOfMemory) << s.name << " with " << spare << " spare frames";
          EXPECT_EQ(leaves_of(pt), before) << s.name << ": the failed operation changed the table"
                                           << " (" << spare << " spare frames)";
        } else {
          EXPECT_NE(leaves_of(pt), before) << s.name << ": succeeded without a change";
        }
        EXPECT_EQ(testing::check_pt_invariants(pt), "") << s.name << ", " << spare << " spare";
      }
      allocator::drain_cpu_cache();
      EXPECT_EQ(allocator::allocator_stats().total_free_frames, free_before)
          << s.name << ": frames leaked with " << spare << " spare frames";
      if (!error) return spare;
    }
    ADD_FAILURE() << s.name << " never succeeded";
    return 0;
  }

  mm::allocator::testing::SimFrames world_;
};

std::optional<PtError> error_of(const auto& result) {
  if (result) return std::nullopt;
  return result.error();
}

// Across a 1 GiB boundary: two level-2 and two level-1 nodes, and the level-3 one above.
TEST_F(AllOrNothingTest, MapPhysAcrossNodes) {
  const unsigned needed = run({"map_phys", [](PageTable<K4>&) {},
                               [](PageTable<K4>& pt) {
                                 auto c = pt.cursor_mut(KBASE + GiB1 - 2 * KiB4, 4 * KiB4);
                                 return error_of(c->map_phys({0x100000, 0x104000}, RW));
                               }});
  EXPECT_EQ(needed, 5u);
}

// Huge pages and 4 KiB pages in one call: 2 MiB below the boundary and 4 KiB above it.
TEST_F(AllOrNothingTest, MapPhysMixedSizes) {
  const unsigned needed = run({"map_phys mixed", [](PageTable<K4>&) {},
                               [](PageTable<K4>& pt) {
                                 auto c = pt.cursor_mut(KBASE + GiB1 - MiB2, MiB2 + KiB4);
                                 return error_of(c->map_phys({0, MiB2 + KiB4}, RW));
                               }});
  EXPECT_EQ(needed, 4u);  // level 3, then one level-2 node each side, one level-1 node
}

TEST_F(AllOrNothingTest, MapTrackedFrame) {
  const frame::UFrame frame = allocator::alloc_frame(frame::UntypedMeta{}).value().into_shared();
  const unsigned needed = run({"map tracked", [](PageTable<K4>&) {},
                               [&](PageTable<K4>& pt) {
                                 auto c = pt.cursor_mut(KBASE, KiB4);
                                 return error_of(c->map(frame, RW));
                               }});
  EXPECT_EQ(needed, 3u);
}

// Both edges cut a 1 GiB leaf down to 4 KiB: the 1 GiB split is shared, then one 2 MiB
// split per edge; all three nodes reserved before any page is unmapped.
TEST_F(AllOrNothingTest, UnmapSplittingBothEdgesOfAGigabyteLeaf) {
  const unsigned needed = run({"unmap",
                               [](PageTable<K4>& pt) {
                                 auto c = pt.cursor_mut(KBASE, GiB1);
                                 ASSERT_TRUE(c->map_phys({0, GiB1}, RW).has_value());
                               },
                               [](PageTable<K4>& pt) {
                                 auto c = pt.cursor_mut(KBASE + KiB4, GiB1 - 2 * KiB4);
                                 return error_of(c->unmap(GiB1 - 2 * KiB4));
                               }});
  EXPECT_EQ(needed, 3u);
}

TEST_F(AllOrNothingTest, ProtectInsideATwoMegabyteLeaf) {
  const unsigned needed = run({"protect_next",
                               [](PageTable<K4>& pt) {
                                 auto c = pt.cursor_mut(KBASE, MiB2);
                                 ASSERT_TRUE(c->map_phys({0, MiB2}, RW).has_value());
                               },
                               [](PageTable<K4>& pt) {
                                 auto c = pt.cursor_mut(KBASE + KiB4, KiB4);
                                 return error_of(
                                     c->protect_next(KiB4, [](PageProperty& p) { p = RO; }));
                               }});
  EXPECT_EQ(needed, 1u);
}

// Both cuts fall in the same 2 MiB piece of a 1 GiB leaf: the two splits are shared.
TEST_F(AllOrNothingTest, TakeOnePageOutOfAGigabyteLeaf) {
  const unsigned needed = run({"take_next",
                               [](PageTable<K4>& pt) {
                                 auto c = pt.cursor_mut(KBASE, GiB1);
                                 ASSERT_TRUE(c->map_phys({0, GiB1}, RW).has_value());
                               },
                               [](PageTable<K4>& pt) {
                                 auto c = pt.cursor_mut(KBASE + MiB2 + KiB4, KiB4);
                                 return error_of(c->take_next(KiB4));
                               }});
  EXPECT_EQ(needed, 2u);
}

}  // namespace
}  // namespace mm::page_table
