// Unit tests for Segment<M>: claiming, accessors, iteration, split, slice (incl. the
// overflow cases), clone, raw round trips, and freeing in runs.
#include <gtest/gtest.h>

#include <vector>

#include "mm/allocator/frame_allocator.h"
#include "mm/allocator/invariants.h"
#include "mm/allocator/stats.h"
#include "mm/allocator/testing/sim_frames.h"
#include "mm/frame/segment.h"

namespace mm::frame {
namespace {

using allocator::testing::SimFrames;
using allocator::testing::slot_of;

struct SegMeta {
  Paddr self = 0;
  static inline int drops = 0;
  void on_drop(Paddr pa) {
    EXPECT_EQ(pa, self);
    ++drops;
  }
};
SegMeta meta_for(Paddr pa) { return SegMeta{pa}; }

class SegmentTest : public ::testing::Test {
 protected:
  SegmentTest() : world_(8 << 20) { SegMeta::drops = 0; }
  static Paddr take(std::uint64_t n) { return allocator::detail::take_frames(n, 1, false).value(); }
  static std::uint64_t free_frames() { return allocator::allocator_stats().total_free_frames; }
  static Segment<SegMeta> make(std::uint64_t n) {
    const Paddr pa = take(n);
    return Segment<SegMeta>::from_unused({pa, pa + n * PAGE_SIZE}, meta_for).value();
  }

  SimFrames world_;
};

TEST_F(SegmentTest, FromUnusedClaimsEveryFrame) {
  const Paddr pa = take(8);
  auto seg = Segment<SegMeta>::from_unused({pa, pa + 8 * PAGE_SIZE}, meta_for).value();
  EXPECT_EQ(seg.paddr(), pa);
  EXPECT_EQ(seg.start_paddr(), pa);
  EXPECT_EQ(seg.end_paddr(), pa + 8 * PAGE_SIZE);
  EXPECT_EQ(seg.size(), 8 * PAGE_SIZE);
  EXPECT_EQ(seg.nbytes(), 8 * PAGE_SIZE);
  EXPECT_EQ(seg.nframes(), 8u);
  std::uint64_t i = 0;
  for (FrameRef<SegMeta> f : seg.frames()) {
    EXPECT_EQ(f.paddr(), pa + i * PAGE_SIZE);
    EXPECT_EQ(f.meta().self, f.paddr());
    EXPECT_EQ(f.reference_count(), 1u);
    ++i;
  }
  EXPECT_EQ(i, 8u);
  EXPECT_EQ(seg.frame(3).paddr(), pa + 3 * PAGE_SIZE);
}

TEST_F(SegmentTest, FromUnusedFailureLeavesEveryFrameAsItWas) {
  const Paddr pa = take(4);
  // The third frame is taken by someone else.
  auto blocker = UniqueFrame<SegMeta>::from_unused(pa + 2 * PAGE_SIZE, SegMeta{pa + 2 * PAGE_SIZE}).value();
  auto seg = Segment<SegMeta>::from_unused({pa, pa + 4 * PAGE_SIZE}, meta_for);
  ASSERT_FALSE(seg.has_value());
  EXPECT_EQ(seg.error(), GetFrameError::Unique);
  // The whole range is claimed before any metadata is written: nothing to drop again.
  EXPECT_EQ(SegMeta::drops, 0);
  EXPECT_EQ(slot_of(pa).ref_count.load(), meta::REF_COUNT_UNUSED);
  EXPECT_EQ(slot_of(pa + PAGE_SIZE).ref_count.load(), meta::REF_COUNT_UNUSED);
  EXPECT_EQ(slot_of(pa + 3 * PAGE_SIZE).ref_count.load(), meta::REF_COUNT_UNUSED);
  allocator::return_frames_to_allocator(pa, 2);
  allocator::return_frames_to_allocator(pa + 3 * PAGE_SIZE, 1);
  EXPECT_EQ(Segment<SegMeta>::from_unused({pa + 1, pa + PAGE_SIZE}, meta_for).error(),
            GetFrameError::NotAligned);
}

TEST_F(SegmentTest, DropFreesEveryFrameOnce) {
  const std::uint64_t before = free_frames();
  { auto seg = make(13); }
  EXPECT_EQ(SegMeta::drops, 13);
  EXPECT_EQ(free_frames(), before);
  allocator::drain_cpu_cache();
  EXPECT_TRUE(allocator::check_allocator_invariants().has_value());
}

TEST_F(SegmentTest, FramesStillReferencedElsewhereOutliveTheSegment) {
  const std::uint64_t before = free_frames();
  std::optional<Frame<SegMeta>> kept;
  {
    auto seg = make(4);
    kept.emplace(seg.frame(1).clone());
    EXPECT_EQ(kept->reference_count(), 2u);
  }
  EXPECT_EQ(SegMeta::drops, 3);
  EXPECT_EQ(free_frames(), before - 1);
  EXPECT_EQ(kept->reference_count(), 1u);
  kept.reset();
  EXPECT_EQ(free_frames(), before);
}

TEST_F(SegmentTest, SplitDividesWithoutCounting) {
  auto seg = make(6);
  const Paddr pa = seg.paddr();
  auto [left, right] = std::move(seg).split(2 * PAGE_SIZE);
  EXPECT_EQ(left.paddr(), pa);
  EXPECT_EQ(left.nframes(), 2u);
  EXPECT_EQ(right.paddr(), pa + 2 * PAGE_SIZE);
  EXPECT_EQ(right.nframes(), 4u);
  EXPECT_EQ(seg.nframes(), 0u);  // moved-from: empty
  EXPECT_EQ(right.frame(0).reference_count(), 1u);
}

TEST_F(SegmentTest, SliceAddsReferences) {
  auto seg = make(6);
  auto mid = seg.slice({PAGE_SIZE, 3 * PAGE_SIZE});
  EXPECT_EQ(mid.paddr(), seg.paddr() + PAGE_SIZE);
  EXPECT_EQ(mid.nframes(), 2u);
  EXPECT_EQ(seg.frame(1).reference_count(), 2u);
  EXPECT_EQ(seg.frame(3).reference_count(), 1u);
  auto whole = seg.try_slice({0, seg.nbytes()});
  ASSERT_TRUE(whole.has_value());
  EXPECT_EQ(whole->nframes(), 6u);
  auto empty = seg.try_slice({seg.nbytes(), seg.nbytes()});
  ASSERT_TRUE(empty.has_value());
  EXPECT_EQ(empty->nframes(), 0u);
}

TEST_F(SegmentTest, SliceRejectsBadAndOverflowingRanges) {
  auto seg = make(4);
  const std::uint64_t n = seg.nbytes();
  // start + len wrapping past 2^64 lands at end 0 < start.
  const std::uint64_t start = PAGE_SIZE, len = ~std::uint64_t{0} - PAGE_SIZE + 1;
  EXPECT_EQ(seg.try_slice({start, start + len}).error(), SegmentRangeError::Reversed);
  EXPECT_EQ(seg.try_slice({2 * PAGE_SIZE, 0}).error(), SegmentRangeError::Reversed);
  EXPECT_EQ(seg.try_slice({0, n + PAGE_SIZE}).error(), SegmentRangeError::OutOfRange);
  // An end near 2^64 would overflow paddr + end in an unchecked implementation.
  EXPECT_EQ(seg.try_slice({0, ~std::uint64_t{0} & ~(PAGE_SIZE - 1)}).error(), SegmentRangeError::OutOfRange);
  EXPECT_EQ(seg.try_slice({n, n + PAGE_SIZE}).error(), SegmentRangeError::OutOfRange);
  EXPECT_EQ(seg.try_slice({1, PAGE_SIZE}).error(), SegmentRangeError::NotAligned);
  EXPECT_EQ(seg.try_slice({0, PAGE_SIZE + 1}).error(), SegmentRangeError::NotAligned);
  EXPECT_EQ(seg.frame(0).reference_count(), 1u);  // failures take no references
}

TEST_F(SegmentTest, CloneAndRawRoundTrip) {
  auto seg = make(3);
  auto copy = seg.clone();
  EXPECT_EQ(seg.frame(2).reference_count(), 2u);
  const PhysRange raw = std::move(copy).into_raw();
  EXPECT_EQ(raw, seg.range());
  EXPECT_EQ(seg.frame(2).reference_count(), 2u);
  { auto back = Segment<SegMeta>::from_raw(raw); }
  EXPECT_EQ(seg.frame(2).reference_count(), 1u);
  EXPECT_EQ(SegMeta::drops, 0);
}

TEST_F(SegmentTest, OneFrameSegmentFromAFrame) {
  const Paddr taken = take(1);
  auto frame = Frame<SegMeta>::from_unused(taken, SegMeta{taken}).value();
  frame = Frame<SegMeta>::from_raw(std::move(frame).into_raw());
  const Paddr pa = frame.paddr();
  Segment<SegMeta> seg(std::move(frame));
  EXPECT_EQ(seg.paddr(), pa);
  EXPECT_EQ(seg.nframes(), 1u);
  EXPECT_EQ(seg.frame(0).reference_count(), 1u);
}

TEST_F(SegmentTest, UntypedSegmentBytesSpanAllFrames) {
  auto seg = allocator::alloc_segment<UntypedMeta>(3, [](Paddr) { return UntypedMeta{}; }).value();
  EXPECT_EQ(seg.bytes().size(), 3 * PAGE_SIZE);
  const std::byte b[2] = {std::byte{1}, std::byte{2}};
  EXPECT_TRUE(seg.bytes().write_bytes(PAGE_SIZE - 1, b).has_value());  // crosses a frame
  EXPECT_FALSE(seg.bytes().write_bytes(3 * PAGE_SIZE - 1, b).has_value());
}

}  // namespace
}  // namespace mm::frame
