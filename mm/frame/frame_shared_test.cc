// Frame handles in a world of frames, run twice: as gtest over simulated memory on the host
// and as ktests over the real metadata region and allocator in the kernel
// (lib/test/test.h, mm/testing/frame_world.h). Every GetFrameError provoked on purpose,
// handle conversions, segments and untyped byte access.
#define KTEST_SUITE "mm.frame"
#include <array>
#include <cstdint>
#include <expected>
#include <optional>
#include <span>
#include <string_view>
#include <utility>

#include "lib/test/test.h"
#include "mm/allocator/frame_allocator.h"
#include "mm/frame/frame.h"
#include "mm/frame/frame_meta.h"
#include "mm/frame/get_frame_error.h"
#include "mm/meta/meta_geometry.h"
#include "mm/frame/segment.h"
#include "mm/frame/slot_ops.h"
#include "mm/frame/unique_frame.h"
#include "mm/hal.h"
#include "mm/meta/meta_slot.h"
#include "mm/testing/frame_world.h"
#include "mm/frame/testing/test_metas.h"

namespace mm::frame {
namespace {

struct Tagged {
  std::uint64_t tag = 0;
};
struct Other {
  std::uint32_t x = 0;
};

constinit unsigned g_drops = 0;
constinit Paddr g_dropped_at = 0;
struct CountsDrops {
  void on_drop(Paddr pa) {
    ++g_drops;
    g_dropped_at = pa;
  }
};

UntypedMeta untyped(Paddr) { return {}; }

// Errors compared by name: a result that unexpectedly holds a frame reads "ok".
template <typename T>
std::string_view result_error_name(const std::expected<T, GetFrameError>& r) {
  return r ? "ok" : error_name(r.error());
}
std::string_view name(GetFrameError e) { return error_name(e); }

using testing::CountingMeta;
using testing::OtherMeta;
using testing::PageMeta;

class FrameSharedTest : public ::mm::testing::FrameWorldTest {
 protected:
  void SetUp() override {
    FrameWorldTest::SetUp();
    CountingMeta::drops = 0;
  }
};

TEST_F(FrameSharedTest, NotAlignedIsRefusedUnchanged) {
  const Paddr pa = take_unused_frames(1);
  ASSERT_TRUE(pa != 0);
  EXPECT_EQ(result_error_name(UniqueFrame<Tagged>::from_unused(pa + 1, {})), name(GetFrameError::NotAligned));
  EXPECT_EQ(result_error_name(Frame<Tagged>::from_unused(pa + 0x800, {})), name(GetFrameError::NotAligned));
  EXPECT_EQ(result_error_name(AnyFrame::from_in_use(pa + 8)), name(GetFrameError::NotAligned));
  EXPECT_EQ(result_error_name(Segment<Tagged>::from_unused({pa + 1, pa + PAGE_SIZE}, [](Paddr) { return Tagged{}; })),
            name(GetFrameError::NotAligned));
  EXPECT_EQ(count_of(pa), meta::REF_COUNT_UNUSED);  // nothing changed
  allocator::return_frames_to_allocator(pa, 1);
}

TEST_F(FrameSharedTest, PastTheMetadataIsOutOfBound) {
  for (const Paddr pa : {meta::meta_geometry().covered_end, meta::meta_geometry().covered_end + PAGE_SIZE, MAX_PADDR}) {
    EXPECT_EQ(result_error_name(UniqueFrame<Tagged>::from_unused(pa, {})), name(GetFrameError::OutOfBound));
    EXPECT_EQ(result_error_name(AnyFrame::from_in_use(pa)), name(GetFrameError::OutOfBound));
  }
}

TEST_F(FrameSharedTest, UnusedFrameIsNotInUse) {
  const Paddr pa = take_unused_frames(1);
  ASSERT_TRUE(pa != 0);
  EXPECT_EQ(result_error_name(AnyFrame::from_in_use(pa)), name(GetFrameError::Unused));
  EXPECT_EQ(result_error_name(Frame<Tagged>::from_in_use(pa)), name(GetFrameError::Unused));
  EXPECT_EQ(count_of(pa), meta::REF_COUNT_UNUSED);
  allocator::return_frames_to_allocator(pa, 1);
}

TEST_F(FrameSharedTest, InUseFrameIsNotClaimedAgainNorAsAnotherType) {
  auto unique = allocator::alloc_frame(Tagged{7});
  ASSERT_TRUE(unique.has_value());
  Frame<Tagged> shared = std::move(*unique).into_shared();
  const Paddr pa = shared.paddr();
  EXPECT_EQ(result_error_name(UniqueFrame<Tagged>::from_unused(pa, {})), name(GetFrameError::InUse));
  EXPECT_EQ(result_error_name(Frame<Other>::from_unused(pa, {})), name(GetFrameError::InUse));
  // A handle of the wrong type: refused, and the reference taken to look is given back.
  EXPECT_EQ(result_error_name(Frame<Other>::from_in_use(pa)), name(GetFrameError::InUse));
  EXPECT_EQ(shared.reference_count(), 1u);
  // Boot frames are in use forever.
  const Paddr boot = permanently_used_frame();
  EXPECT_EQ(result_error_name(UniqueFrame<Tagged>::from_unused(boot, {})), name(GetFrameError::InUse));
  EXPECT_EQ(count_of(boot), 1u);
}

// Every frame the allocator holds (heads and tails of listed and cached free blocks) and
// every tail of a live huge frame refuses every claim, unchanged.
TEST_F(FrameSharedTest, NoClaimOfAnyForeignFrameSucceeds) {
  auto huge = allocator::alloc_frame(Tagged{}, {.zeroed = false, .level = 2});
  ASSERT_TRUE(huge.has_value());
  auto small = allocator::alloc_frame(Tagged{}, {.zeroed = false});
  ASSERT_TRUE(small.has_value());
  { auto cached = allocator::alloc_frame(Tagged{}, {.zeroed = false}); }  // into this CPU's cache
  const std::uint64_t free_before = allocator::allocator_stats().total_free_frames;
  std::uint64_t swept = 0, tails = 0, wrong = 0;
  for (Paddr pa = 0; pa < meta::meta_geometry().covered_end; pa += PAGE_SIZE) {
    if (!meta::has_slot(pa)) continue;
    const std::uint64_t count = count_of(pa);
    if (count != meta::REF_COUNT_FREE && count != meta::REF_COUNT_TAIL) continue;
    const std::uint64_t word = meta::frame_to_meta(pa)->block.load(std::memory_order_relaxed);
    const bool huge_tail = pa > huge->paddr() && pa < huge->paddr() + huge->size();
    const std::string_view expected = name(huge_tail ? GetFrameError::Tail : GetFrameError::Free);
    const bool refused = result_error_name(UniqueFrame<Tagged>::from_unused(pa, {})) == expected &&
                         result_error_name(AnyFrame::from_in_use(pa)) == expected;
    const bool unchanged =
        count_of(pa) == count && meta::frame_to_meta(pa)->block.load(std::memory_order_relaxed) == word;
    if (wrong < 4) {
      EXPECT_TRUE(refused && unchanged) << "frame " << pa << " (count " << count << "): claim not refused as "
                                        << expected;
    }
    wrong += !refused || !unchanged;
    ++swept;
    tails += huge_tail;
  }
  EXPECT_EQ(wrong, 0u);
  EXPECT_EQ(tails, 511u);
  EXPECT_GT(swept, free_before);  // free frames plus the huge frame's tails
  EXPECT_EQ(allocator::allocator_stats().total_free_frames, free_before);
}

// covering_head finds the head of a live huge frame from each of its tails, and names a
// frame that is not a TAIL itself (here a live 4 KiB frame at an odd index, whose
// next-coarser alignment is another frame).
TEST_F(FrameSharedTest, CoveringHeadOfEveryTailIsItsBlockHead) {
  auto huge = allocator::alloc_frame(Tagged{}, {.zeroed = false, .level = 2});
  ASSERT_TRUE(huge.has_value());
  const Paddr head = huge->paddr();
  EXPECT_EQ(slot::covering_head(head), head);
  std::uint64_t wrong = 0;
  for (Paddr pa = head + PAGE_SIZE; pa < head + huge->size(); pa += PAGE_SIZE) {
    wrong += slot::covering_head(pa) != head;
  }
  EXPECT_EQ(wrong, 0u);
  std::array<std::optional<UniqueFrame<Tagged>>, 16> smalls;
  Paddr odd = 0;
  for (auto& small : smalls) {
    auto frame = allocator::alloc_frame(Tagged{}, {.zeroed = false});
    ASSERT_TRUE(frame.has_value());
    if ((frame->paddr() / PAGE_SIZE) % 2 == 1) odd = frame->paddr();
    small.emplace(std::move(*frame));
    if (odd != 0) break;
  }
  ASSERT_TRUE(odd != 0);
  EXPECT_EQ(slot::covering_head(odd), odd);
}

// A freed frame belongs to the allocator (FREE, in this CPU's cache): no claim succeeds.
TEST_F(FrameSharedTest, FreeFramesBelongToTheAllocator) {
  Paddr pa = 0;
  {
    auto frame = allocator::alloc_frame(Tagged{});
    ASSERT_TRUE(frame.has_value());
    pa = frame->paddr();
  }  // back into this CPU's cache: FREE, marked "cpu cache"
  EXPECT_EQ(count_of(pa), meta::REF_COUNT_FREE);
  EXPECT_NE(meta::frame_to_meta(pa)->block.load(std::memory_order_relaxed), 0u);
  EXPECT_EQ(result_error_name(UniqueFrame<Tagged>::from_unused(pa, {})), name(GetFrameError::Free));
  EXPECT_EQ(result_error_name(Frame<Tagged>::from_in_use(pa)), name(GetFrameError::Free));
  EXPECT_EQ(count_of(pa), meta::REF_COUNT_FREE);
  expect_allocator_invariants();
}

TEST_F(FrameSharedTest, UniqueFrameIsNotClaimedAgain) {
  auto unique = allocator::alloc_frame(Tagged{});
  ASSERT_TRUE(unique.has_value());
  const Paddr pa = unique->paddr();
  EXPECT_EQ(result_error_name(AnyFrame::from_in_use(pa)), name(GetFrameError::Unique));
  EXPECT_EQ(result_error_name(UniqueFrame<Tagged>::from_unused(pa, {})), name(GetFrameError::Unique));
  EXPECT_EQ(count_of(pa), meta::REF_COUNT_UNIQUE);
}

// Busy (count 0) is a transient state; fake it on a frame the test owns, then restore.
TEST_F(FrameSharedTest, BusyFrameIsRefusedAndLeftAlone) {
  auto unique = allocator::alloc_frame(Tagged{});
  ASSERT_TRUE(unique.has_value());
  meta::MetaSlot& slot = *meta::frame_to_meta(unique->paddr());
  const std::uint64_t saved = slot.ref_count.exchange(0, std::memory_order_relaxed);
  const auto in_use = AnyFrame::from_in_use(unique->paddr());
  const auto unused = UniqueFrame<Tagged>::from_unused(unique->paddr(), {});
  const std::uint64_t after = slot.ref_count.exchange(saved, std::memory_order_relaxed);
  EXPECT_EQ(result_error_name(in_use), name(GetFrameError::Busy));
  EXPECT_EQ(result_error_name(unused), name(GetFrameError::Busy));
  EXPECT_EQ(after, 0u);  // the failed attempts left the count alone
}

TEST_F(FrameSharedTest, UniqueToSharedAndBack) {
  const std::uint64_t free_before = free_frames();
  {
    auto unique = allocator::alloc_frame(Tagged{1});
    ASSERT_TRUE(unique.has_value());
    unique->meta_mut().tag = 0xfeed;
    const Paddr pa = unique->paddr();
    Frame<Tagged> shared = std::move(*unique);
    EXPECT_EQ(shared.reference_count(), 1u);
    EXPECT_EQ(shared.meta().tag, 0xfeedu);
    EXPECT_EQ(shared.paddr(), pa);
    Frame<Tagged> second = shared;
    EXPECT_EQ(shared.reference_count(), 2u);
    // Two references: not uniquely ownable; the handle comes back intact.
    auto refused = UniqueFrame<Tagged>::try_from_shared(std::move(second));
    ASSERT_TRUE(!refused.has_value());
    Frame<Tagged> back = std::move(refused.error());
    EXPECT_EQ(back.reference_count(), 2u);
    { Frame<Tagged> dropped = std::move(back); }
    EXPECT_EQ(shared.reference_count(), 1u);
    auto again = UniqueFrame<Tagged>::try_from_shared(std::move(shared));
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(count_of(pa), meta::REF_COUNT_UNIQUE);
    EXPECT_EQ(again->meta().tag, 0xfeedu);
  }
  EXPECT_EQ(free_frames(), free_before);
}

TEST_F(FrameSharedTest, RawRoundTripKeepsTheReference) {
  const std::uint64_t free_before = free_frames();
  auto unique = allocator::alloc_frame(Tagged{3});
  ASSERT_TRUE(unique.has_value());
  const Paddr pa = std::move(*unique).into_raw();
  EXPECT_EQ(count_of(pa), meta::REF_COUNT_UNIQUE);
  Frame<Tagged> shared = UniqueFrame<Tagged>::from_raw(pa).into_shared();
  const Paddr raw = std::move(shared).into_raw();
  EXPECT_EQ(raw, pa);
  EXPECT_EQ(count_of(pa), 1u);
  {
    Frame<Tagged> restored = Frame<Tagged>::from_raw(raw);
    EXPECT_EQ(restored.meta().tag, 3u);
  }
  EXPECT_EQ(count_of(pa), meta::REF_COUNT_FREE);
  EXPECT_EQ(free_frames(), free_before);
}

TEST_F(FrameSharedTest, AnyFrameDowncasts) {
  auto unique = allocator::alloc_frame(Tagged{5});
  ASSERT_TRUE(unique.has_value());
  AnyFrame any = Frame<Tagged>(std::move(*unique));
  EXPECT_TRUE(any.is<Tagged>());
  EXPECT_FALSE(any.is<Other>());
  auto wrong = std::move(any).downcast<Other>();
  ASSERT_TRUE(!wrong.has_value());
  auto right = std::move(wrong.error()).downcast<Tagged>();
  ASSERT_TRUE(right.has_value());
  EXPECT_EQ(right->meta().tag, 5u);
  EXPECT_EQ(right->reference_count(), 1u);
}

TEST_F(FrameSharedTest, OnDropRunsOnceWithTheAddress) {
  g_drops = 0;
  Paddr pa = 0;
  {
    auto frame = allocator::alloc_frame(CountsDrops{});
    ASSERT_TRUE(frame.has_value());
    pa = frame->paddr();
    Frame<CountsDrops> a = std::move(*frame);
    Frame<CountsDrops> b = a;
  }
  EXPECT_EQ(g_drops, 1u);
  EXPECT_EQ(g_dropped_at, pa);
}

TEST_F(FrameSharedTest, UntypedBytesAreBoundsCheckedAndLinearlyMapped) {
  auto frame = allocator::alloc_frame(UntypedMeta{});
  ASSERT_TRUE(frame.has_value());
  const UntypedBytes bytes = frame->bytes();
  const std::byte in[4] = {std::byte{1}, std::byte{2}, std::byte{3}, std::byte{4}};
  std::byte out[4] = {};
  EXPECT_TRUE(bytes.write_bytes(PAGE_SIZE - 4, in).has_value());
  EXPECT_TRUE(bytes.read_bytes(PAGE_SIZE - 4, out).has_value());
  EXPECT_EQ(static_cast<unsigned>(out[3]), 4u);
  // The same bytes through the linear map.
  EXPECT_EQ(static_cast<const std::uint8_t*>(phys_to_virt(frame->paddr()))[PAGE_SIZE - 1], 4u);
  EXPECT_FALSE(bytes.write_bytes(PAGE_SIZE - 3, in).has_value());
  EXPECT_FALSE(bytes.read_bytes(~std::uint64_t{0}, out).has_value());
  EXPECT_FALSE(bytes.fill(1, ~std::uint64_t{0}, std::byte{0}).has_value());
}

TEST_F(FrameSharedTest, SegmentSplitAndSlice) {
  const std::uint64_t free_before = free_frames();
  {
    auto seg = allocator::alloc_segment<UntypedMeta>(8, untyped);
    ASSERT_TRUE(seg.has_value());
    const Paddr base = seg->paddr();
    EXPECT_EQ(seg->nframes(), 8u);
    for (FrameRef<UntypedMeta> f : seg->frames()) EXPECT_EQ(count_of(f.paddr()), 1u);

    auto [head, tail] = std::move(*seg).split(3 * PAGE_SIZE);
    EXPECT_EQ(head.start_paddr(), base);
    EXPECT_EQ(head.end_paddr(), base + 3 * PAGE_SIZE);
    EXPECT_EQ(tail.start_paddr(), base + 3 * PAGE_SIZE);
    EXPECT_EQ(tail.end_paddr(), base + 8 * PAGE_SIZE);
    EXPECT_EQ(count_of(base), 1u);  // splitting changes no count

    auto middle = tail.try_slice({PAGE_SIZE, 3 * PAGE_SIZE});
    ASSERT_TRUE(middle.has_value());
    EXPECT_EQ(middle->start_paddr(), base + 4 * PAGE_SIZE);
    EXPECT_EQ(middle->nframes(), 2u);
    EXPECT_EQ(count_of(base + 4 * PAGE_SIZE), 2u);
    EXPECT_EQ(count_of(base + 6 * PAGE_SIZE), 1u);
    const Segment<UntypedMeta> copy = head.clone();
    EXPECT_EQ(count_of(base), 2u);
    EXPECT_TRUE(tail.try_slice({0, 0}).has_value());  // empty slice is fine
  }
  EXPECT_EQ(free_frames(), free_before);
}

std::string_view slice_error(const std::expected<Segment<UntypedMeta>, SegmentRangeError>& r) {
  if (r) return "ok";
  switch (r.error()) {
    case SegmentRangeError::NotAligned: return "NotAligned";
    case SegmentRangeError::Reversed: return "Reversed";
    case SegmentRangeError::OutOfRange: return "OutOfRange";
  }
  return "?";
}

// Bad ranges, including those whose start + len wraps past 2^64 (Asterinas's unchecked
// slice): errors, with no count touched.
TEST_F(FrameSharedTest, SegmentSliceRejectsBadAndOverflowingRanges) {
  auto seg = allocator::alloc_segment<UntypedMeta>(4, untyped);
  ASSERT_TRUE(seg.has_value());
  const std::uint64_t n = seg->nbytes();
  const std::uint64_t huge = align_down(~std::uint64_t{0}, PAGE_SIZE);
  EXPECT_EQ(slice_error(seg->try_slice({1, PAGE_SIZE})), std::string_view("NotAligned"));
  EXPECT_EQ(slice_error(seg->try_slice({0, n + 1})), std::string_view("NotAligned"));
  EXPECT_EQ(slice_error(seg->try_slice({2 * PAGE_SIZE, PAGE_SIZE})), std::string_view("Reversed"));
  EXPECT_EQ(slice_error(seg->try_slice({0, n + PAGE_SIZE})), std::string_view("OutOfRange"));
  // start + len wrapped: end < start.
  const std::uint64_t start = 2 * PAGE_SIZE;
  EXPECT_EQ(slice_error(seg->try_slice({start, start + huge})), std::string_view("Reversed"));
  // Both ends huge: in order, but far past the segment (start + base would wrap).
  EXPECT_EQ(slice_error(seg->try_slice({huge - PAGE_SIZE, huge})), std::string_view("OutOfRange"));
  for (FrameRef<UntypedMeta> f : seg->frames()) EXPECT_EQ(count_of(f.paddr()), 1u);
}

// A Segment claim that fails part-way gives back what it claimed: nothing changes.
TEST_F(FrameSharedTest, SegmentFromUnusedRollsBack) {
  const Paddr pa = take_unused_frames(3);
  ASSERT_TRUE(pa != 0);
  auto blocker = UniqueFrame<Tagged>::from_unused(pa + 2 * PAGE_SIZE, {});
  ASSERT_TRUE(blocker.has_value());
  auto seg = Segment<Tagged>::from_unused({pa, pa + 3 * PAGE_SIZE}, [](Paddr) { return Tagged{}; });
  EXPECT_EQ(result_error_name(seg), name(GetFrameError::Unique));
  EXPECT_EQ(count_of(pa), meta::REF_COUNT_UNUSED);
  EXPECT_EQ(count_of(pa + PAGE_SIZE), meta::REF_COUNT_UNUSED);
  EXPECT_TRUE(meta::frame_to_meta(pa)->vtable == nullptr);
  allocator::return_frames_to_allocator(pa, 2);  // the blocker returns its frame itself
}

// ---- Handles of typed and untyped frames: claims, conversions, counts, drop hooks ----

TEST_F(FrameSharedTest, UniqueFromUnusedOwnsTheFrame) {
  const Paddr pa = take_unused_frames(1);
  auto frame = UniqueFrame<CountingMeta>::from_unused(pa, CountingMeta{7});
  ASSERT_TRUE(frame.has_value());
  EXPECT_EQ(frame->paddr(), pa);
  EXPECT_EQ(frame->start_paddr(), pa);
  EXPECT_EQ(frame->map_level(), 1);
  EXPECT_EQ(frame->size(), PAGE_SIZE);
  EXPECT_EQ(frame->meta().value, 7);
  frame->meta_mut().value = 9;
  EXPECT_EQ(frame->meta().value, 9);
  EXPECT_EQ(count_of(pa), meta::REF_COUNT_UNIQUE);
  EXPECT_EQ(meta::frame_to_meta(pa)->vtable, &frame_meta_vtable<CountingMeta>);
}

TEST_F(FrameSharedTest, DroppingUniqueRunsTheHookAndFreesTheFrame) {
  const std::uint64_t before = free_frames();
  const Paddr pa = take_unused_frames(1);
  {
    auto frame = UniqueFrame<CountingMeta>::from_unused(pa, CountingMeta{}).value();
    EXPECT_EQ(free_frames(), before - 1);
  }
  EXPECT_EQ(CountingMeta::drops, 1);
  EXPECT_EQ(CountingMeta::last_dropped, pa);
  EXPECT_EQ(count_of(pa), meta::REF_COUNT_FREE);  // back in this CPU's cache
  EXPECT_EQ(meta::frame_to_meta(pa)->vtable, nullptr);
  // After the slot checks: free_frames() drains the caches, and the frame may then
  // coalesce into a larger free block (a TAIL).
  EXPECT_EQ(free_frames(), before);
  expect_allocator_invariants();
}

TEST_F(FrameSharedTest, RepurposeDropsOldMetadataAndInstallsNew) {
  const Paddr pa = take_unused_frames(1);
  auto counting = UniqueFrame<CountingMeta>::from_unused(pa, CountingMeta{1}).value();
  UniqueFrame<OtherMeta> other = std::move(counting).repurpose(OtherMeta{3, 4});
  EXPECT_EQ(CountingMeta::drops, 1);
  EXPECT_EQ(other.paddr(), pa);
  EXPECT_EQ(other.meta().a, 3u);
  EXPECT_EQ(meta::frame_to_meta(pa)->vtable, &frame_meta_vtable<OtherMeta>);
  EXPECT_EQ(count_of(pa), meta::REF_COUNT_UNIQUE);
}

TEST_F(FrameSharedTest, UniqueRawRoundTrip) {
  const Paddr pa = take_unused_frames(1);
  Paddr raw = UniqueFrame<CountingMeta>::from_unused(pa, CountingMeta{5}).value().into_raw();
  EXPECT_EQ(raw, pa);
  EXPECT_EQ(CountingMeta::drops, 0);
  EXPECT_EQ(count_of(pa), meta::REF_COUNT_UNIQUE);
  auto back = UniqueFrame<CountingMeta>::from_raw(raw);
  EXPECT_EQ(back.meta().value, 5);
}

TEST_F(FrameSharedTest, UniqueToSharedAndBackRunsNoHook) {
  const Paddr pa = take_unused_frames(1);
  Frame<CountingMeta> shared = UniqueFrame<CountingMeta>::from_unused(pa, CountingMeta{2}).value();
  EXPECT_EQ(shared.reference_count(), 1u);
  Frame<CountingMeta> second = shared;
  EXPECT_EQ(shared.reference_count(), 2u);
  // Two references: refused, and the frame comes back intact.
  auto refused = UniqueFrame<CountingMeta>::try_from_shared(std::move(shared));
  ASSERT_FALSE(refused.has_value());
  shared = std::move(refused.error());
  EXPECT_EQ(shared.reference_count(), 2u);
  second = std::move(shared);
  EXPECT_EQ(second.reference_count(), 1u);
  auto unique = UniqueFrame<CountingMeta>::try_from_shared(std::move(second));
  ASSERT_TRUE(unique.has_value());
  EXPECT_EQ(count_of(pa), meta::REF_COUNT_UNIQUE);
  EXPECT_EQ(unique->meta().value, 2);
  EXPECT_EQ(CountingMeta::drops, 0);
}

TEST_F(FrameSharedTest, SharedFrameCountsAndTheLastDropFrees) {
  const std::uint64_t before = free_frames();
  const Paddr pa = take_unused_frames(1);
  {
    auto frame = Frame<CountingMeta>::from_unused(pa, CountingMeta{4}).value();
    EXPECT_EQ(frame.paddr(), pa);
    EXPECT_EQ(frame.start_paddr(), pa);
    EXPECT_EQ(frame.map_level(), 1);
    EXPECT_EQ(frame.size(), PAGE_SIZE);
    EXPECT_EQ(frame.meta().value, 4);
    EXPECT_EQ(frame.reference_count(), 1u);
    {
      Frame<CountingMeta> copy = frame;
      Frame<CountingMeta> third(copy);
      EXPECT_EQ(frame.reference_count(), 3u);
      EXPECT_TRUE(copy == frame);
      copy = third;  // self-consistent copy assignment
      EXPECT_EQ(frame.reference_count(), 3u);
    }
    EXPECT_EQ(frame.reference_count(), 1u);
    EXPECT_EQ(CountingMeta::drops, 0);
  }
  EXPECT_EQ(CountingMeta::drops, 1);
  EXPECT_EQ(free_frames(), before);
  expect_allocator_invariants();
}

TEST_F(FrameSharedTest, SharedRawRoundTripAndMappingReferences) {
  const Paddr pa = take_unused_frames(1);
  auto frame = Frame<CountingMeta>::from_unused(pa, CountingMeta{}).value();
  Frame<CountingMeta> copy = frame;
  const Paddr raw = std::move(copy).into_raw();
  EXPECT_EQ(raw, pa);
  EXPECT_EQ(frame.reference_count(), 2u);  // the raw reference is still counted
  inc_frame_ref_for_mapping(pa);            // a page table maps it
  EXPECT_EQ(frame.reference_count(), 3u);
  dec_frame_ref_for_mapping(pa);
  { auto restored = Frame<CountingMeta>::from_raw(raw); }
  EXPECT_EQ(frame.reference_count(), 1u);
  // A mapping may outlive every handle: the last dec frees the frame.
  const std::uint64_t before = free_frames();
  inc_frame_ref_for_mapping(pa);
  frame = Frame<CountingMeta>::from_raw(std::move(frame).into_raw());
  { Frame<CountingMeta> gone = std::move(frame); }
  EXPECT_EQ(count_of(pa), 1u);
  dec_frame_ref_for_mapping(pa);
  EXPECT_EQ(CountingMeta::drops, 1);
  EXPECT_EQ(free_frames(), before + 1);
}

TEST_F(FrameSharedTest, BorrowDoesNotCountAndCloneDoes) {
  const Paddr pa = take_unused_frames(1);
  auto frame = Frame<CountingMeta>::from_unused(pa, CountingMeta{6}).value();
  FrameRef<CountingMeta> ref = frame.borrow();
  EXPECT_EQ(frame.reference_count(), 1u);
  EXPECT_EQ(ref.paddr(), pa);
  EXPECT_EQ(ref.start_paddr(), pa);
  EXPECT_EQ(ref.meta().value, 6);
  EXPECT_EQ(ref.map_level(), 1);
  EXPECT_EQ(ref.size(), PAGE_SIZE);
  EXPECT_EQ(ref.reference_count(), 1u);
  FrameRef<CountingMeta> reborrow = ref;
  Frame<CountingMeta> kept = reborrow.clone();
  EXPECT_EQ(frame.reference_count(), 2u);
  EXPECT_EQ(FrameRef<CountingMeta>::borrow_raw(pa).meta().value, 6);
}

TEST_F(FrameSharedTest, AnyFrameDowncastsByVtableIdentity) {
  const Paddr pa = take_unused_frames(1);
  AnyFrame any = Frame<CountingMeta>::from_unused(pa, CountingMeta{8}).value();
  EXPECT_TRUE(any.is<CountingMeta>());
  EXPECT_FALSE(any.is<OtherMeta>());
  EXPECT_NE(std::string_view(any.meta_type_name()).find("CountingMeta"), std::string_view::npos);
  EXPECT_EQ(&any.vtable(), &frame_meta_vtable<CountingMeta>);
  auto wrong = std::move(any).downcast<OtherMeta>();
  ASSERT_FALSE(wrong.has_value());
  any = std::move(wrong.error());
  EXPECT_EQ(any.reference_count(), 1u);
  AnyFrame copy_up = any;  // copy keeps both
  EXPECT_EQ(any.reference_count(), 2u);
  auto typed = std::move(copy_up).downcast<CountingMeta>();
  ASSERT_TRUE(typed.has_value());
  EXPECT_EQ(typed->meta().value, 8);
  EXPECT_EQ(typed->reference_count(), 2u);
  const Frame<CountingMeta>& typed_ref = *typed;
  AnyFrame from_copy(typed_ref);
  EXPECT_EQ(from_copy.reference_count(), 3u);
}

TEST_F(FrameSharedTest, UntypedBytesAreBoundsChecked) {
  auto frame = allocator::alloc_frame(PageMeta{}).value();
  UntypedBytes bytes = frame.bytes();
  EXPECT_EQ(bytes.size(), PAGE_SIZE);
  EXPECT_EQ(bytes.paddr(), frame.paddr());
  const std::array<std::byte, 4> in{std::byte{1}, std::byte{2}, std::byte{3}, std::byte{4}};
  ASSERT_TRUE(bytes.write_bytes(PAGE_SIZE - 4, in).has_value());
  std::array<std::byte, 4> out{};
  ASSERT_TRUE(bytes.read_bytes(PAGE_SIZE - 4, out).has_value());
  EXPECT_EQ(out, in);
  EXPECT_EQ(bytes.write_bytes(PAGE_SIZE - 3, in).error(), FrameAccessError::OutOfBounds);
  EXPECT_EQ(bytes.read_bytes(PAGE_SIZE + 1, out).error(), FrameAccessError::OutOfBounds);
  EXPECT_EQ(bytes.read_bytes(~std::uint64_t{0} - 1, out).error(), FrameAccessError::OutOfBounds);
  EXPECT_EQ(bytes.fill(8, ~std::uint64_t{0} - 4, std::byte{1}).error(), FrameAccessError::OutOfBounds);
  ASSERT_TRUE(bytes.fill(0, PAGE_SIZE, std::byte{0xab}).has_value());
  ASSERT_TRUE(bytes.read_bytes(100, out).has_value());
  EXPECT_EQ(out[0], std::byte{0xab});
  ASSERT_TRUE(bytes.read_bytes(PAGE_SIZE, std::span<std::byte>()).has_value());  // empty at end
  bytes.zero();
  ASSERT_TRUE(bytes.read_bytes(100, out).has_value());
  EXPECT_EQ(out[0], std::byte{0});
  Frame<PageMeta> shared = std::move(frame);
  EXPECT_TRUE(shared.bytes().fill(0, 1, std::byte{5}).has_value());
  EXPECT_EQ(shared.borrow().bytes().size(), PAGE_SIZE);
}

TEST_F(FrameSharedTest, MoveAssignmentReleasesTheOldFrame) {
  const std::uint64_t before = free_frames();
  auto a = allocator::alloc_frame(CountingMeta{}).value();
  auto b = allocator::alloc_frame(CountingMeta{}).value();
  a = std::move(b);
  EXPECT_EQ(CountingMeta::drops, 1);
  EXPECT_EQ(free_frames(), before - 1);
}

}  // namespace
}  // namespace mm::frame
