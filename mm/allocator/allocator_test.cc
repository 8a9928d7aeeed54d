// Host-only tests of the buddy allocator: the ones that need a fresh simulated world of a
// known size (init, exact free lists and counts, exhaustion, an empty per-CPU cache, corrupted
// slots at known addresses). What holds in any world of frames runs on the host and in the
// kernel: allocator_shared_test.cc.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "mm/allocator/frame_allocator.h"
#include "mm/allocator/invariants.h"
#include "mm/allocator/stats.h"
#include "mm/allocator/testing/sim_frames.h"
#include "mm/allocator/usable_ranges.h"

namespace mm::allocator {
namespace {

using testing::SimFrames;
using testing::slot_of;

constexpr std::uint64_t MiB = 1 << 20;

template <typename T>
std::string text(const T& v) {
  keel::fmt::FixedString<2048> s;
  keel::fmt::print(s, "{}", v);
  return std::string(s.view());
}

void expect_invariants() {
  auto ok = check_allocator_invariants();
  EXPECT_TRUE(ok.has_value()) << text(ok.error());
}

frame::UntypedMeta untyped(Paddr) { return {}; }

TEST(UsableRangesTest, AlignsClipsSortsAndMerges) {
  UsableRanges r;
  const PhysRange in[] = {{0x5000, 0x9000}, {0x1001, 0x3fff}, {0x9000, 0xa000}, {0x2000, 0x2800},
                          {0x20000, 0x40000}, {0x8000, 0x10000}};
  ASSERT_TRUE(r.assign(in, 0x30000));
  ASSERT_EQ(r.spans().size(), 3u);
  EXPECT_EQ(r.spans()[0].first, 2u);  // 0x1001 rounds up to 0x2000, 0x3fff down to 0x3000
  EXPECT_EQ(r.spans()[0].end, 3u);
  EXPECT_EQ(r.spans()[1].first, 5u);  // 0x5000..0x10000 merged
  EXPECT_EQ(r.spans()[1].end, 16u);
  EXPECT_EQ(r.spans()[2].first, 0x20u);
  EXPECT_EQ(r.spans()[2].end, 0x30u);  // clipped at the limit
  EXPECT_EQ(r.total_frames(), 1u + 11u + 16u);
  EXPECT_TRUE(r.contains(5, 11));
  EXPECT_FALSE(r.contains(5, 12));
  EXPECT_FALSE(r.contains(3, 1));
  EXPECT_FALSE(r.contains(0, 1));
  EXPECT_TRUE(r.contains(0x2f, 1));
  EXPECT_FALSE(r.contains(0x30, 1));
}

TEST(UsableRangesTest, TooManyRangesIsAnError) {
  std::vector<PhysRange> many;
  for (std::uint64_t i = 0; i <= MAX_USABLE_RANGES; ++i) many.push_back({i * 2 * PAGE_SIZE, (i * 2 + 1) * PAGE_SIZE});
  SimFrames world(4 * MiB, {PhysRange{MiB, 2 * MiB}});
  EXPECT_EQ(init_frame_allocator(many).error(), AllocInitError::TooManyRanges);
}

TEST(AllocatorInitTest, TakesMaximalAlignedBlocksOfUnusedFrames) {
  // 1 MiB + 4 KiB .. 8 MiB, with one boot frame at 4 MiB.
  const PhysRange usable[] = {{MiB + PAGE_SIZE, 8 * MiB}};
  const Paddr boot[] = {4 * MiB};
  SimFrames world(8 * MiB, usable, boot);
  const auto& s = world.init_summary();
  EXPECT_EQ(s.usable_frames, 7u * 256 - 1);
  EXPECT_EQ(s.free_frames, 7u * 256 - 2);
  EXPECT_EQ(s.ranges, 1u);
  const AllocatorStats stats = allocator_stats();
  EXPECT_EQ(stats.total_free_frames, s.free_frames);
  EXPECT_EQ(stats.cached_frames, 0u);
  // [1M+4K, 4M): orders 0..7 and one order-8 ... then [4M+4K, 8M).
  EXPECT_EQ(stats.free_blocks[0], 2u);  // 1M+4K and 4M+4K
  EXPECT_EQ(stats.free_blocks[9], 2u);  // 2M..3M? [2M,4M) is order 9; [6M,8M) too
  EXPECT_EQ(stats.largest_free_order, 9);
  expect_invariants();
}

TEST(AllocatorInitTest, AdjacentRangesCoalesceAcrossTheBoundary) {
  SimFrames world(8 * MiB, {PhysRange{2 * MiB, 3 * MiB}, PhysRange{3 * MiB, 4 * MiB}});
  const AllocatorStats stats = allocator_stats();
  EXPECT_EQ(stats.free_blocks[9], 1u);  // one 2 MiB block
  EXPECT_EQ(stats.total_free_frames, 512u);
  expect_invariants();
}

class AllocatorTest : public ::testing::Test {
 protected:
  AllocatorTest() : world_(16 * MiB) {}
  SimFrames world_;
};

TEST_F(AllocatorTest, SplitAndCoalesceRestoreTheInitialLists) {
  const AllocatorStats initial = allocator_stats();
  {
    auto a = alloc_block<frame::UntypedMeta>(9, untyped, {.zeroed = false}).value();
    auto b = alloc_frame(frame::UntypedMeta{}, {.zeroed = false}).value();
    auto c = alloc_segment<frame::UntypedMeta>(37, untyped).value();
    EXPECT_NE(allocator_stats().free_blocks, initial.free_blocks);
  }
  drain_cpu_cache();
  EXPECT_EQ(allocator_stats(), initial);
  expect_invariants();
}

TEST_F(AllocatorTest, PerCpuCacheServesOrderZeroAndRefillsInBatches) {
  auto first = alloc_frame(frame::UntypedMeta{}, {.zeroed = false}).value();
  const AllocatorStats stats = allocator_stats();
  EXPECT_EQ(stats.cached_blocks[0], CACHE_BATCH - 1);
  EXPECT_EQ(stats.cached_frames, CACHE_BATCH - 1);
  expect_invariants();  // cached blocks are checked and counted, not "lost"
  const Paddr pa = first.paddr();
  { auto gone = std::move(first); }
  auto again = alloc_frame(frame::UntypedMeta{}, {.zeroed = false}).value();
  EXPECT_EQ(again.paddr(), pa);  // LIFO
}

TEST_F(AllocatorTest, FullCacheDrainsItsOldestBlocks) {
  std::vector<frame::UniqueFrame<frame::UntypedMeta>> frames;
  for (int i = 0; i < 200; ++i)
    frames.push_back(alloc_frame(frame::UntypedMeta{}, {.zeroed = false}).value());
  frames.clear();
  EXPECT_LE(allocator_stats().cached_blocks[0], CACHE_CAPACITY);
  expect_invariants();
}

TEST_F(AllocatorTest, OutOfMemoryIsAValueThatSaysWhatWasAskedAndWhatIsFree) {
  auto too_big = alloc_segment<frame::UntypedMeta>(order_frames(MAX_ORDER) + 1, untyped);
  ASSERT_FALSE(too_big.has_value());
  EXPECT_EQ(too_big.error().requested_frames, order_frames(MAX_ORDER) + 1);
  auto big = alloc_block<frame::UntypedMeta>(12, untyped);  // 16 MiB: more than there is
  ASSERT_FALSE(big.has_value());
  const AllocError& e = big.error();
  EXPECT_EQ(e.requested_frames, 4096u);
  EXPECT_EQ(e.align_frames, 4096u);
  EXPECT_EQ(e.free_frames, 15u * 256);
  EXPECT_EQ(e.largest_free_frames, 2048u);
  EXPECT_EQ(text(e),
            "out of memory: asked for 4096 frame(s) (16 MiB) aligned to 4096 frame(s); free: "
            "3840 frame(s) (15 MiB), largest free block 2048 frame(s)");
  expect_invariants();
}

TEST_F(AllocatorTest, ExhaustThenFreeReturnsToTheInitialCoalescedState) {
  const AllocatorStats initial = allocator_stats();
  std::vector<frame::UniqueFrame<frame::UntypedMeta>> frames;
  std::vector<frame::Segment<frame::UntypedMeta>> segments;
  for (int i = 0;; ++i) {
    if (i % 3 == 0) {
      auto seg = alloc_segment<frame::UntypedMeta>(1 + i % 11, untyped, 1, {.zeroed = false});
      if (seg) {
        segments.push_back(std::move(*seg));
        continue;
      }
    }
    auto frame = alloc_frame(frame::UntypedMeta{}, {.zeroed = false});
    if (!frame) break;
    frames.push_back(std::move(*frame));
  }
  const AllocatorStats empty = allocator_stats();
  EXPECT_EQ(empty.total_free_frames, 0u);
  EXPECT_EQ(empty.largest_free_order, -1);
  expect_invariants();
  auto oom = alloc_frame(frame::UntypedMeta{});
  ASSERT_FALSE(oom.has_value());
  EXPECT_EQ(oom.error().free_frames, 0u);
  // Free in an interleaved order.
  for (std::size_t i = 0; i < frames.size(); i += 2) { auto gone = std::move(frames[i]); }
  segments.clear();
  frames.clear();
  drain_cpu_cache();
  EXPECT_EQ(allocator_stats(), initial);
  expect_invariants();
}

TEST_F(AllocatorTest, AllocFramesContiguousOrNot) {
  std::vector<std::optional<frame::Frame<frame::UntypedMeta>>> out(10);
  ASSERT_TRUE(alloc_frames<frame::UntypedMeta>(out, untyped).has_value());
  for (std::size_t i = 0; i < out.size(); ++i) {
    EXPECT_EQ(out[i]->paddr(), out[0]->paddr() + i * PAGE_SIZE);
    EXPECT_EQ(out[i]->reference_count(), 1u);
  }
  std::vector<std::optional<frame::Frame<frame::UntypedMeta>>> any(40);
  ASSERT_TRUE(alloc_frames<frame::UntypedMeta>(any, untyped, {.zeroed = false, .contiguous = false})
                  .has_value());
  for (auto& f : any) EXPECT_TRUE(f.has_value());
  std::vector<std::optional<frame::Frame<frame::UntypedMeta>>> too_many(5000);
  EXPECT_FALSE(
      alloc_frames<frame::UntypedMeta>(too_many, untyped, {.contiguous = false}).has_value());
  for (auto& f : too_many) EXPECT_FALSE(f.has_value());  // all or nothing
  expect_invariants();
}

TEST_F(AllocatorTest, PrintStatsListsEveryNonEmptyOrder) {
  auto frame = alloc_frame(frame::UntypedMeta{}).value();
  keel::fmt::FixedString<4096> out;
  print_stats(out);
  const std::string s(out.view());
  EXPECT_NE(s.find("frame allocator: 3839 of 3840 frames free"), std::string::npos) << s;
  EXPECT_NE(s.find("31 in per-CPU caches"), std::string::npos) << s;
  EXPECT_NE(s.find("largest free block: order 11 (8 MiB)"), std::string::npos) << s;
  EXPECT_NE(s.find("order  0"), std::string::npos) << s;
}

TEST_F(AllocatorTest, InvariantWalkerReportsCorruptionWithTheAddress) {
  drain_cpu_cache();
  // Frame 2 MiB is inside a free order-11 block [0, 8M)? No: [2M, 4M) is order 9; corrupt it.
  slot_of(2 * MiB + 5 * PAGE_SIZE).ref_count.store(1);
  auto bad = check_allocator_invariants();
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().kind, AllocatorInvariantViolation::Kind::FrameNotTail);
  EXPECT_EQ(bad.error().paddr, 2 * MiB + 5 * PAGE_SIZE);
  EXPECT_NE(text(bad.error()).find("0x205000"), std::string::npos);
  slot_of(2 * MiB + 5 * PAGE_SIZE).ref_count.store(meta::REF_COUNT_TAIL);
  // A lost frame: FREE, but on no list and in no cache.
  auto frame = alloc_frame(frame::UntypedMeta{}).value();
  const Paddr pa = std::move(frame).into_raw();
  slot_of(pa).vtable = nullptr;
  slot_of(pa).ref_count.store(meta::REF_COUNT_FREE);
  bad = check_allocator_invariants();
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().kind, AllocatorInvariantViolation::Kind::LostFrames);
  slot_of(pa).ref_count.store(meta::REF_COUNT_UNUSED);
  return_frames_to_allocator(pa, 1);
  expect_invariants();
}

}  // namespace
}  // namespace mm::allocator
