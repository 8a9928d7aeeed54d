// The buddy allocator in a world of frames, run twice: as gtest over simulated memory on the
// host and as ktests over the live allocator in the kernel (lib/test/test.h,
// mm/testing/frame_world.h). Invariants and statistics, split and coalesce, the per-CPU
// cache, zeroing, alignment, batches and out of memory as a value.
#define KTEST_SUITE "mm.allocator"
#include <cstdint>
#include <optional>
#include <string_view>

#include "lib/test/test.h"
#include "mm/allocator/frame_allocator.h"
#include "mm/allocator/stats.h"
#include "mm/frame/segment.h"
#include "mm/frame/unique_frame.h"
#include "mm/hal.h"
#include "mm/testing/frame_world.h"

namespace mm::allocator {
namespace {

frame::UntypedMeta untyped(Paddr) { return {}; }

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

class AllocatorSharedTest : public ::mm::testing::FrameWorldTest {};

TEST_F(AllocatorSharedTest, InvariantsHold) {
  expect_allocator_invariants();
  drain_cpu_cache();
  expect_allocator_invariants();  // fully coalesced once the cache is drained
}

TEST_F(AllocatorSharedTest, StatsAddUp) {
  const AllocatorStats s = allocator_stats();
  std::uint64_t listed = 0;
  for (unsigned o = 0; o < NR_ORDERS; ++o) listed += s.free_blocks[o] * order_frames(o);
  EXPECT_EQ(listed, s.listed_frames);
  EXPECT_EQ(s.listed_frames + s.cached_frames, s.total_free_frames);
  EXPECT_LE(s.total_free_frames, s.usable_frames);
  EXPECT_GT(s.total_free_frames, 0u);
}

// Allocating and freeing a block of each order gives the same free lists back (the split
// halves coalesce again). Orders larger than any free block are skipped.
TEST_F(AllocatorSharedTest, AllocFreeRestoresTheLists) {
  for (const unsigned order : {0u, 1u, 3u, 9u, 18u}) {
    drain_cpu_cache();
    const AllocatorStats before = allocator_stats();
    if (before.largest_free_order < static_cast<int>(order)) continue;
    {
      auto block = alloc_block<frame::UntypedMeta>(order, untyped, {.zeroed = false});
      ASSERT_TRUE(block.has_value());
      EXPECT_EQ(block->nframes(), order_frames(order));
      EXPECT_EQ(block->paddr() % (order_frames(order) * PAGE_SIZE), 0u);
    }
    drain_cpu_cache();
    EXPECT_TRUE(allocator_stats() == before) << "order " << order;
  }
}

TEST_F(AllocatorSharedTest, SmallFreesGoToThisCpusCache) {
  drain_cpu_cache();
  { auto frame = alloc_frame(frame::UntypedMeta{}); }
  EXPECT_GT(allocator_stats().cached_frames, 0u);
  drain_cpu_cache();
  EXPECT_EQ(allocator_stats().cached_frames, 0u);
}

TEST_F(AllocatorSharedTest, AllocFrameZeroes) {
  {
    auto frame = alloc_frame(frame::UntypedMeta{});
    ASSERT_TRUE(frame.has_value());
    frame->bytes().zero();
    EXPECT_TRUE(frame->bytes().fill(0, PAGE_SIZE, std::byte{0xa5}).has_value());
  }
  // The per-CPU cache is LIFO: the same, dirtied frame normally comes straight back.
  auto again = alloc_frame(frame::UntypedMeta{});
  ASSERT_TRUE(again.has_value());
  const auto* bytes = static_cast<const std::uint8_t*>(phys_to_virt(again->paddr()));
  unsigned nonzero = 0;
  for (std::size_t i = 0; i < PAGE_SIZE; ++i) nonzero += bytes[i] != 0;
  EXPECT_EQ(nonzero, 0u);
}

TEST_F(AllocatorSharedTest, AlignedSegmentReturnsItsTail) {
  const std::uint64_t before = free_frames();
  {
    auto seg = alloc_segment<frame::UntypedMeta>(3, untyped, /*align_frames=*/8, {.zeroed = false});
    ASSERT_TRUE(seg.has_value());
    EXPECT_EQ(seg->paddr() % (8 * PAGE_SIZE), 0u);
    EXPECT_EQ(seg->nframes(), 3u);
    EXPECT_EQ(free_frames(), before - 3);  // the block's 5 spare frames went back
  }
  EXPECT_EQ(free_frames(), before);
}

TEST_F(AllocatorSharedTest, AllocFramesContiguousAndScattered) {
  const std::uint64_t before = free_frames();
  {
    std::optional<frame::Frame<frame::UntypedMeta>> frames[16];
    ASSERT_TRUE(alloc_frames<frame::UntypedMeta>(frames, untyped, {.zeroed = false}).has_value());
    for (std::size_t i = 1; i < 16; ++i) {
      EXPECT_EQ(frames[i]->paddr(), frames[0]->paddr() + i * PAGE_SIZE);
      EXPECT_EQ(frames[i]->reference_count(), 1u);
    }
    std::optional<frame::Frame<frame::UntypedMeta>> scattered[16];
    ASSERT_TRUE(
        alloc_frames<frame::UntypedMeta>(scattered, untyped, {.zeroed = false, .contiguous = false})
            .has_value());
    for (const auto& f : scattered) EXPECT_TRUE(f.has_value());
  }
  EXPECT_EQ(free_frames(), before);
}

// Out of memory is a value naming the request and what is free.
TEST_F(AllocatorSharedTest, OomNamesRequestAndFree) {
  const AllocatorStats stats = allocator_stats();
  const std::uint64_t too_many = stats.usable_frames + 1;
  auto seg = alloc_segment<frame::UntypedMeta>(too_many, untyped, 1, {.zeroed = false});
  ASSERT_TRUE(!seg.has_value());
  const AllocError& e = seg.error();
  EXPECT_EQ(e.requested_frames, too_many);
  EXPECT_EQ(e.align_frames, 1u);
  EXPECT_EQ(e.free_frames, allocator_stats().total_free_frames);
  EXPECT_EQ(e.largest_free_frames, allocator_stats().largest_free_frames());
  keel::fmt::FixedString<256> text;
  keel::fmt::print(text, "{}", e);
  EXPECT_TRUE(contains(text.view(), "out of memory: asked for")) << text.view();
  EXPECT_EQ(free_frames(), stats.total_free_frames);
}

TEST_F(AllocatorSharedTest, BlocksAreAlignedToTheirSize) {
  for (unsigned order : {0u, 1u, 3u, 4u, 9u, 11u}) {
    auto block = alloc_block<frame::UntypedMeta>(order, untyped, {.zeroed = false}).value();
    EXPECT_EQ(block.nframes(), order_frames(order));
    EXPECT_EQ(block.paddr() % (order_frames(order) * PAGE_SIZE), 0u) << order;
  }
  expect_allocator_invariants();
}

TEST_F(AllocatorSharedTest, SegmentsHonourAlignmentAndReturnTheirTail) {
  const std::uint64_t before = allocator_stats().total_free_frames;
  {
    auto seg = alloc_segment<frame::UntypedMeta>(5, untyped, 16).value();
    EXPECT_EQ(seg.nframes(), 5u);
    EXPECT_EQ(seg.paddr() % (16 * PAGE_SIZE), 0u);
    EXPECT_EQ(allocator_stats().total_free_frames, before - 5);  // 8-block tail went back
    expect_allocator_invariants();
  }
  EXPECT_EQ(allocator_stats().total_free_frames, before);
  drain_cpu_cache();
  expect_allocator_invariants();
}

}  // namespace
}  // namespace mm::allocator
