// Every frame has exactly one owner: for every frame the allocator holds (heads and tails of
// free blocks, listed or cached) and every tail of a live huge frame, every claim path is
// refused with the owner's error and changes nothing; every free path panics naming the
// frame and its state. The sweeps are exhaustive over the world's frames; the free paths,
// which panic, are death-tested on representatives of each kind of frame.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mm/allocator/frame_allocator.h"
#include "mm/allocator/invariants.h"
#include "mm/allocator/stats.h"
#include "mm/allocator/testing/sim_frames.h"
#include "mm/frame/frame.h"
#include "mm/frame/segment.h"
#include "mm/frame/slot_ops.h"
#include "mm/frame/unique_frame.h"

namespace mm::allocator {
namespace {

using testing::SimFrames;
using testing::slot_of;

constexpr std::uint64_t MiB = 1 << 20;

struct Typed {
  std::uint64_t x = 0;
};

struct SlotSnapshot {
  std::uint64_t count;
  std::uint64_t block;
  const meta::FrameMetaVtable* vtable;
  friend bool operator==(const SlotSnapshot&, const SlotSnapshot&) = default;
};
SlotSnapshot snapshot(Paddr pa) {
  const meta::MetaSlot& s = slot_of(pa);
  return {s.ref_count.load(), s.block.load(), s.vtable};
}

std::string text(const AllocatorInvariantViolation& v) {
  keel::fmt::FixedString<256> s;
  keel::fmt::print(s, "{}", v);
  return std::string(s.view());
}

// A world with every kind of owner: 4 KiB frames held as handles and in this CPU's cache,
// a unique and a shared 2 MiB frame, and free blocks of many orders on the buddy lists.
class OwnershipTest : public ::testing::Test {
 protected:
  OwnershipTest() : world_(32 * MiB) {
    for (int i = 0; i < 40; ++i)
      small_.push_back(alloc_frame(frame::UntypedMeta{}, {.zeroed = false}).value());
    // Free every other one: those sit in this CPU's cache, between live neighbours.
    for (std::size_t i = 0; i < small_.size(); i += 2) small_[i].reset();
    huge_unique_.emplace(alloc_frame(frame::UntypedMeta{}, {.zeroed = false, .level = 2}).value());
    huge_shared_.emplace(alloc_frame(Typed{7}, {.zeroed = false, .level = 2}).value());
    segment_.emplace(alloc_segment<Typed>(5, [](Paddr) { return Typed{}; }).value());
  }

  // The frames the allocator owns, or that are tails of live huge frames; with the error a
  // claim of each must get.
  struct Foreign {
    Paddr pa;
    frame::GetFrameError expected;
  };
  std::vector<Foreign> foreign_frames() const {
    std::vector<Foreign> out;
    for (Paddr pa = MiB; pa < 32 * MiB; pa += PAGE_SIZE) {
      const std::uint64_t count = slot_of(pa).ref_count.load();
      if (count == meta::REF_COUNT_FREE) out.push_back({pa, frame::GetFrameError::Free});
      if (count == meta::REF_COUNT_TAIL) {
        const bool live =
            slot_of(frame::slot::covering_head(pa)).ref_count.load() != meta::REF_COUNT_FREE;
        out.push_back({pa, live ? frame::GetFrameError::Tail : frame::GetFrameError::Free});
      }
    }
    return out;
  }

  SimFrames world_;
  std::vector<std::optional<frame::UniqueFrame<frame::UntypedMeta>>> small_;
  std::optional<frame::UniqueFrame<frame::UntypedMeta>> huge_unique_;
  std::optional<frame::Frame<Typed>> huge_shared_;
  std::optional<frame::Segment<Typed>> segment_;
};

TEST_F(OwnershipTest, EveryClaimOfAFrameSomeoneElseOwnsIsRefusedAndChangesNothing) {
  const std::uint64_t free_before = allocator_stats().total_free_frames;
  const auto frames = foreign_frames();
  std::uint64_t free_count = 0, tail_count = 0, cached = 0;
  for (const Foreign& f : frames) {
    const SlotSnapshot before = snapshot(f.pa);
    const std::uint64_t word = before.block;
    cached += before.count == meta::REF_COUNT_FREE &&
              frame::slot::free_where(word) == frame::slot::FreeWhere::CpuCache;
    (f.expected == frame::GetFrameError::Free ? free_count : tail_count)++;
    auto u = frame::UniqueFrame<Typed>::from_unused(f.pa, Typed{});
    ASSERT_FALSE(u.has_value()) << std::hex << f.pa;
    EXPECT_EQ(u.error(), f.expected) << std::hex << f.pa;
    auto s = frame::Frame<Typed>::from_unused(f.pa, Typed{});
    ASSERT_FALSE(s.has_value()) << std::hex << f.pa;
    EXPECT_EQ(s.error(), f.expected) << std::hex << f.pa;
    EXPECT_EQ(frame::Frame<Typed>::from_in_use(f.pa).error(), f.expected) << std::hex << f.pa;
    EXPECT_EQ(frame::AnyFrame::from_in_use(f.pa).error(), f.expected) << std::hex << f.pa;
    EXPECT_EQ(frame::UFrame::from_in_use(f.pa).error(), f.expected) << std::hex << f.pa;
    auto seg =
        frame::Segment<Typed>::from_unused({f.pa, f.pa + PAGE_SIZE}, [](Paddr) { return Typed{}; });
    ASSERT_FALSE(seg.has_value()) << std::hex << f.pa;
    EXPECT_EQ(seg.error(), f.expected) << std::hex << f.pa;
    ASSERT_EQ(snapshot(f.pa), before) << "a refused claim changed frame " << std::hex << f.pa;
  }
  // The sweep met every kind of frame it is about.
  EXPECT_GT(free_count, 6000u);
  EXPECT_EQ(tail_count, 2 * 511u);
  EXPECT_GE(cached, 20u);
  EXPECT_EQ(allocator_stats().total_free_frames, free_before);
  auto ok = check_allocator_invariants();
  EXPECT_TRUE(ok.has_value()) << text(ok.error());
}

// A Segment claim that meets a foreign frame midway gives back what it claimed.
TEST_F(OwnershipTest, SegmentClaimOverAForeignFrameIsAllOrNothing) {
  const Paddr raw = detail::take_frames(2, 4, false).value();  // 2 UNUSED, then free
  const Paddr next = raw + 2 * PAGE_SIZE;
  ASSERT_EQ(slot_of(next).ref_count.load(), meta::REF_COUNT_FREE);
  auto seg =
      frame::Segment<Typed>::from_unused({raw, next + PAGE_SIZE}, [](Paddr) { return Typed{}; });
  ASSERT_FALSE(seg.has_value());
  EXPECT_EQ(seg.error(), frame::GetFrameError::Free);
  EXPECT_EQ(slot_of(raw).ref_count.load(), meta::REF_COUNT_UNUSED);
  EXPECT_EQ(slot_of(raw + PAGE_SIZE).ref_count.load(), meta::REF_COUNT_UNUSED);
  return_frames_to_allocator(raw, 2);
  auto ok = check_allocator_invariants();
  EXPECT_TRUE(ok.has_value()) << text(ok.error());
}

TEST_F(OwnershipTest, HugeFramesAreOneHandleOfTheirLevel) {
  EXPECT_EQ(huge_unique_->map_level(), 2);
  EXPECT_EQ(huge_unique_->size(), 2 * MiB);
  EXPECT_EQ(huge_unique_->paddr() % (2 * MiB), 0u);
  EXPECT_EQ(huge_shared_->map_level(), 2);
  EXPECT_EQ(huge_shared_->size(), 2 * MiB);
  EXPECT_EQ(huge_shared_->borrow().size(), 2 * MiB);
  EXPECT_EQ(huge_shared_->meta().x, 7u);
  EXPECT_EQ(huge_unique_->bytes().size(), 2 * MiB);
  // A reference through the head works; through a tail it is a clear error.
  auto found = frame::Frame<Typed>::from_in_use(huge_shared_->paddr());
  ASSERT_TRUE(found.has_value());
  std::optional<frame::Frame<Typed>> again(std::move(*found));
  EXPECT_EQ(huge_shared_->reference_count(), 2u);
  EXPECT_EQ(frame::Frame<Typed>::from_in_use(huge_shared_->paddr() + 17 * PAGE_SIZE).error(),
            frame::GetFrameError::Tail);
  // The wrong type is refused before a handle exists, and the count is as it was.
  EXPECT_EQ(frame::Frame<frame::UntypedMeta>::from_in_use(huge_shared_->paddr()).error(),
            frame::GetFrameError::InUse);
  EXPECT_EQ(huge_shared_->reference_count(), 2u);
  // Freeing the whole frame is O(1) and gives back 512 frames.
  const std::uint64_t before = allocator_stats().total_free_frames;
  huge_unique_.reset();
  EXPECT_EQ(allocator_stats().total_free_frames, before + 512);
  huge_shared_.reset();
  EXPECT_EQ(allocator_stats().total_free_frames, before + 512);  // `again` still holds it
  again.reset();
  EXPECT_EQ(allocator_stats().total_free_frames, before + 1024);
  auto ok = check_allocator_invariants();
  EXPECT_TRUE(ok.has_value()) << text(ok.error());
}

TEST(OwnershipGiB, OneGibFrameIsOneHandleAndItsTailsAreRefused) {
  SimFrames world(2048 * MiB + 4 * MiB);
  const std::uint64_t before = allocator_stats().total_free_frames;
  auto giant = alloc_frame(frame::UntypedMeta{}, {.zeroed = false, .level = 3});
  ASSERT_TRUE(giant.has_value());
  EXPECT_EQ(giant->map_level(), 3);
  EXPECT_EQ(giant->size(), 1024 * MiB);
  EXPECT_EQ(giant->paddr() % (1024 * MiB), 0u);
  EXPECT_EQ(allocator_stats().total_free_frames, before - 262144);
  for (Paddr pa = giant->paddr() + PAGE_SIZE; pa < giant->paddr() + 1024 * MiB; pa += 4093 * PAGE_SIZE) {
    EXPECT_EQ(frame::UniqueFrame<Typed>::from_unused(pa, {}).error(), frame::GetFrameError::Tail);
    EXPECT_EQ(frame::UFrame::from_in_use(pa).error(), frame::GetFrameError::Tail);
    EXPECT_EQ(slot_of(pa).ref_count.load(), meta::REF_COUNT_TAIL);
  }
  const Paddr last = giant->paddr() + 1024 * MiB - PAGE_SIZE;
  EXPECT_EQ(frame::UFrame::from_in_use(last).error(), frame::GetFrameError::Tail);
  // The only 1 GiB-aligned block is taken: a second one is out of memory, cleanly.
  EXPECT_FALSE(alloc_frame(frame::UntypedMeta{}, {.zeroed = false, .level = 3}).has_value());
  giant = std::unexpected(AllocError{});
  EXPECT_EQ(allocator_stats().total_free_frames, before);
  EXPECT_TRUE(
      alloc_frame(frame::UntypedMeta{}, {.zeroed = false, .level = 3}).has_value());  // and back
  auto ok = check_allocator_invariants();
  EXPECT_TRUE(ok.has_value()) << text(ok.error());
}

// ---- Free paths: each panics naming the frame and its state, on every kind of frame ----

using OwnershipDeathTest = OwnershipTest;

TEST_F(OwnershipDeathTest, RawFreeOfAFrameTheAllocatorHoldsPanics) {
  drain_cpu_cache();
  for (const Foreign& f : foreign_frames()) {
    if (f.expected != frame::GetFrameError::Free || f.pa % (97 * PAGE_SIZE) != 0) continue;
    EXPECT_DEATH(return_frames_to_allocator(f.pa, 1), "double free of frame 0x[0-9a-f]+: it is (free|a tail of the free block)")
        << std::hex << f.pa;
  }
}

TEST_F(OwnershipDeathTest, RawFreeOfAHugeTailPanicsNamingTheHead) {
  const Paddr head = huge_unique_->paddr();
  keel::fmt::FixedString<128> expected;
  keel::fmt::print(expected, "a tail of the live block at {:#x}", head);
  EXPECT_DEATH(return_frames_to_allocator(head + 3 * PAGE_SIZE, 1), std::string(expected.view()));
}

TEST_F(OwnershipDeathTest, FromRawOfFreeOrTailFramesPanics) {
  const Paddr tail = huge_shared_->paddr() + 9 * PAGE_SIZE;
  EXPECT_DEATH(
      frame::Frame<Typed>::from_raw(tail),
      "Frame::from_raw of frame 0x[0-9a-f]+: it holds no such reference \\(the frame is a tail");
  EXPECT_DEATH(frame::FrameRef<Typed>::borrow_raw(tail), "FrameRef::borrow_raw of frame .* a tail");
  Paddr cached = 0;
  for (const Foreign& f : foreign_frames()) {
    if (slot_of(f.pa).ref_count.load() == meta::REF_COUNT_FREE &&
        frame::slot::free_where(slot_of(f.pa).block.load()) == frame::slot::FreeWhere::CpuCache) {
      cached = f.pa;
      break;
    }
  }
  ASSERT_NE(cached, 0u);
  EXPECT_DEATH(frame::UniqueFrame<frame::UntypedMeta>::from_raw(cached),
               "UniqueFrame::from_raw of frame .* free \\(cpu cache, order 0\\)");
}

TEST_F(OwnershipDeathTest, DroppingAUniqueFrameTwicePanicsAndTheSecondChangesNothing) {
  const Paddr pa = std::move(*small_[1]).into_raw();
  small_[1].reset();
  auto first = frame::UniqueFrame<frame::UntypedMeta>::from_raw(pa);
  auto second = frame::UniqueFrame<frame::UntypedMeta>::from_raw(pa);  // the misuse: two owners
  { auto dying = std::move(first); }
  EXPECT_EQ(slot_of(pa).ref_count.load(), meta::REF_COUNT_FREE);
  EXPECT_DEATH({ auto dying = std::move(second); }, "double free of frame 0x[0-9a-f]+: UniqueFrame released but the frame is free");
  EXPECT_EQ(slot_of(pa).ref_count.load(), meta::REF_COUNT_FREE);
  (void)std::move(second).into_raw();  // do not free it again in this process
}

TEST_F(OwnershipDeathTest, ReleasingAReferenceToAFreedHugeFramePanics) {
  frame::Frame<Typed> extra = *huge_shared_;
  const Paddr head = extra.paddr();
  const Paddr raw = std::move(extra).into_raw();
  huge_shared_.reset();  // one reference left: the raw one
  frame::Frame<Typed>::from_raw(raw);  // dropped at once: the frame goes back
  EXPECT_EQ(slot_of(head).ref_count.load(), meta::REF_COUNT_FREE);
  EXPECT_DEATH(frame::dec_frame_ref_for_mapping(head),
               "double free of frame 0x[0-9a-f]+: released a reference it does not hold \\(the "
               "frame is free");
}

}  // namespace
}  // namespace mm::allocator
