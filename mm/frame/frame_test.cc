// Unit tests for UniqueFrame, Frame, AnyFrame, FrameRef, GetFrameError and untyped bytes.
#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <string>

#include "mm/allocator/frame_allocator.h"
#include "mm/allocator/invariants.h"
#include "mm/allocator/testing/allocator_peer.h"
#include "mm/allocator/stats.h"
#include "mm/allocator/testing/sim_frames.h"
#include "mm/frame/frame.h"
#include "mm/frame/unique_frame.h"

namespace mm {
namespace {

using testing::SimFrames;
using testing::slot_of;

constexpr std::uint64_t kMemory = 8 << 20;
constexpr Paddr kUsableStart = 1 << 20;

// Typed metadata whose drop hook counts calls and records the address.
struct CountingMeta {
  int value = 0;
  static inline int drops = 0;
  static inline Paddr last_dropped = 0;
  void on_drop(Paddr pa) {
    ++drops;
    last_dropped = pa;
  }
};
struct OtherMeta {
  std::uint64_t a = 0, b = 0;
};
struct PageMeta {
  static constexpr bool untyped_frame = true;
  std::uint32_t tag = 0;
};

static_assert(AnyFrameMeta<CountingMeta> && !AnyUFrameMeta<CountingMeta>);
static_assert(AnyUFrameMeta<PageMeta> && AnyUFrameMeta<UntypedMeta>);
struct TooBig {
  char bytes[41];
};
struct OverAligned {
  alignas(16) char c;
};
static_assert(!AnyFrameMeta<TooBig> && !AnyFrameMeta<OverAligned>);
static_assert(sizeof(Frame<CountingMeta>) == 8 && sizeof(UniqueFrame<CountingMeta>) == 8);
static_assert(!std::is_copy_constructible_v<UniqueFrame<CountingMeta>>);
static_assert(!std::is_default_constructible_v<FrameRef<CountingMeta>>);
static_assert(!std::is_copy_assignable_v<FrameRef<CountingMeta>>);
static_assert(!std::is_constructible_v<Frame<CountingMeta>, FrameRef<CountingMeta>>);
static_assert(!std::is_default_constructible_v<Frame<CountingMeta>>);
// Typed frames expose no bytes; untyped ones do.
template <typename H>
concept HasBytes = requires(const H& h) { h.bytes(); };
static_assert(!HasBytes<Frame<CountingMeta>> && !HasBytes<UniqueFrame<CountingMeta>>);
static_assert(HasBytes<Frame<PageMeta>> && HasBytes<UniqueFrame<PageMeta>> && HasBytes<FrameRef<PageMeta>>);
// AnyFrame has no typed meta() and cannot be made from_unused.
template <typename H>
concept HasMeta = requires(const H& h) { h.meta(); };
static_assert(!HasMeta<AnyFrame> && HasMeta<Frame<CountingMeta>>);

class FrameTest : public ::testing::Test {
 protected:
  FrameTest() : world_(kMemory, {PhysRange{kUsableStart, kMemory}}) { CountingMeta::drops = 0; }

  // A frame the test owns: UNUSED, on no list (from the allocator, not yet claimed).
  static Paddr take_frame() { return allocator_detail::take_frames(1, 1, false).value(); }
  static std::uint64_t free_frames() { return allocator_stats().total_free_frames; }
  static void expect_invariants() {
    auto ok = check_allocator_invariants();
    EXPECT_TRUE(ok.has_value()) << [&] {
      keel::fmt::FixedString<256> s;
      keel::fmt::print(s, "{}", ok.error());
      return std::string(s.view());
    }();
  }

  SimFrames world_;
};

std::string print(GetFrameError e) {
  keel::fmt::FixedString<64> s;
  keel::fmt::print(s, "[{}]", e);
  return std::string(s.view());
}

TEST(GetFrameErrorTest, EveryErrorHasAPrintableName) {
  EXPECT_STREQ(error_name(GetFrameError::Unused), "Unused");
  EXPECT_STREQ(error_name(GetFrameError::InUse), "InUse");
  EXPECT_STREQ(error_name(GetFrameError::Busy), "Busy");
  EXPECT_STREQ(error_name(GetFrameError::Unique), "Unique");
  EXPECT_STREQ(error_name(GetFrameError::OutOfBound), "OutOfBound");
  EXPECT_STREQ(error_name(GetFrameError::NotAligned), "NotAligned");
  EXPECT_EQ(print(GetFrameError::Busy), "[Busy]");
  EXPECT_EQ(print(GetFrameError::OutOfBound), "[OutOfBound]");
}

TEST_F(FrameTest, UniqueFromUnusedOwnsTheFrame) {
  const Paddr pa = take_frame();
  auto frame = UniqueFrame<CountingMeta>::from_unused(pa, CountingMeta{7});
  ASSERT_TRUE(frame.has_value());
  EXPECT_EQ(frame->paddr(), pa);
  EXPECT_EQ(frame->start_paddr(), pa);
  EXPECT_EQ(frame->level(), 1);
  EXPECT_EQ(frame->size(), PAGE_SIZE);
  EXPECT_EQ(frame->meta().value, 7);
  frame->meta_mut().value = 9;
  EXPECT_EQ(frame->meta().value, 9);
  EXPECT_EQ(slot_of(pa).ref_count.load(), REF_COUNT_UNIQUE);
  EXPECT_EQ(slot_of(pa).vtable, &frame_meta_vtable<CountingMeta>);
}

TEST_F(FrameTest, DroppingUniqueRunsTheHookAndFreesTheFrame) {
  const std::uint64_t before = free_frames();
  const Paddr pa = take_frame();
  {
    auto frame = UniqueFrame<CountingMeta>::from_unused(pa, CountingMeta{}).value();
    EXPECT_EQ(free_frames(), before - 1);
  }
  EXPECT_EQ(CountingMeta::drops, 1);
  EXPECT_EQ(CountingMeta::last_dropped, pa);
  EXPECT_EQ(free_frames(), before);
  EXPECT_EQ(slot_of(pa).ref_count.load(), REF_COUNT_FREE);  // back in this CPU's cache
  EXPECT_EQ(slot_of(pa).vtable, nullptr);
  expect_invariants();
}

TEST_F(FrameTest, FromUnusedErrors) {
  EXPECT_EQ(UniqueFrame<CountingMeta>::from_unused(kUsableStart + 1, {}).error(), GetFrameError::NotAligned);
  EXPECT_EQ(UniqueFrame<CountingMeta>::from_unused(kMemory, {}).error(), GetFrameError::OutOfBound);
  EXPECT_EQ(Frame<CountingMeta>::from_unused(~PAGE_SIZE + 1, {}).error(), GetFrameError::OutOfBound);
  // Reserved (in use) below the usable range.
  EXPECT_EQ(UniqueFrame<CountingMeta>::from_unused(0, {}).error(), GetFrameError::InUse);
  const Paddr pa = take_frame();
  auto unique = UniqueFrame<CountingMeta>::from_unused(pa, {}).value();
  EXPECT_EQ(UniqueFrame<CountingMeta>::from_unused(pa, {}).error(), GetFrameError::Unique);
  Frame<CountingMeta> shared = std::move(unique);
  EXPECT_EQ(Frame<CountingMeta>::from_unused(pa, {}).error(), GetFrameError::InUse);
  // Busy: someone else is mid-claim.
  const Paddr busy = take_frame();
  slot_of(busy).ref_count.store(0);
  EXPECT_EQ(UniqueFrame<CountingMeta>::from_unused(busy, {}).error(), GetFrameError::Busy);
  slot_of(busy).ref_count.store(REF_COUNT_UNUSED);
  return_frames_to_allocator(busy, 1);
  EXPECT_EQ(CountingMeta::drops, 0);  // failed claims construct nothing
}

TEST_F(FrameTest, FromUnusedRefusesAFreeBlockHeadOwnedByTheAllocator) {
  drain_cpu_cache();
  // After init the whole usable range is free blocks; 1 MiB is the head of an order-8 block.
  ASSERT_EQ(slot_of(kUsableStart).ref_count.load(), REF_COUNT_FREE);
  EXPECT_EQ(UniqueFrame<CountingMeta>::from_unused(kUsableStart, {}).error(), GetFrameError::Free);
  EXPECT_EQ(slot_of(kUsableStart).ref_count.load(), REF_COUNT_FREE);
  // Its interior frames are the allocator's too.
  EXPECT_EQ(UniqueFrame<CountingMeta>::from_unused(kUsableStart + 5 * PAGE_SIZE, {}).error(),
            GetFrameError::Free);
  EXPECT_EQ(slot_of(kUsableStart + 5 * PAGE_SIZE).ref_count.load(), REF_COUNT_TAIL);
  expect_invariants();
}

TEST_F(FrameTest, RepurposeDropsOldMetadataAndInstallsNew) {
  const Paddr pa = take_frame();
  auto counting = UniqueFrame<CountingMeta>::from_unused(pa, CountingMeta{1}).value();
  UniqueFrame<OtherMeta> other = std::move(counting).repurpose(OtherMeta{3, 4});
  EXPECT_EQ(CountingMeta::drops, 1);
  EXPECT_EQ(other.paddr(), pa);
  EXPECT_EQ(other.meta().a, 3u);
  EXPECT_EQ(slot_of(pa).vtable, &frame_meta_vtable<OtherMeta>);
  EXPECT_EQ(slot_of(pa).ref_count.load(), REF_COUNT_UNIQUE);
}

TEST_F(FrameTest, UniqueRawRoundTrip) {
  const Paddr pa = take_frame();
  Paddr raw = UniqueFrame<CountingMeta>::from_unused(pa, CountingMeta{5}).value().into_raw();
  EXPECT_EQ(raw, pa);
  EXPECT_EQ(CountingMeta::drops, 0);
  EXPECT_EQ(slot_of(pa).ref_count.load(), REF_COUNT_UNIQUE);
  auto back = UniqueFrame<CountingMeta>::from_raw(raw);
  EXPECT_EQ(back.meta().value, 5);
}

TEST_F(FrameTest, ResetAsUnusedNeedsThePasskeyAndDoesNotFree) {
  const std::uint64_t before = free_frames();
  const Paddr pa = take_frame();
  auto frame = UniqueFrame<CountingMeta>::from_unused(pa, {}).value();
  std::move(frame).reset_as_unused(testing::AllocatorPeer::passkey());
  EXPECT_EQ(CountingMeta::drops, 1);
  EXPECT_EQ(slot_of(pa).ref_count.load(), REF_COUNT_UNUSED);
  EXPECT_EQ(free_frames(), before - 1);  // the allocator was not called
  return_frames_to_allocator(pa, 1);
  EXPECT_EQ(free_frames(), before);
}

TEST_F(FrameTest, UniqueToSharedAndBack) {
  const Paddr pa = take_frame();
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
  EXPECT_EQ(slot_of(pa).ref_count.load(), REF_COUNT_UNIQUE);
  EXPECT_EQ(unique->meta().value, 2);
  EXPECT_EQ(CountingMeta::drops, 0);
}

TEST_F(FrameTest, SharedFrameCountsAndTheLastDropFrees) {
  const std::uint64_t before = free_frames();
  const Paddr pa = take_frame();
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
  expect_invariants();
}

TEST_F(FrameTest, FromInUseAddsAReferenceOrSaysWhy) {
  const Paddr pa = take_frame();
  auto frame = Frame<CountingMeta>::from_unused(pa, CountingMeta{}).value();
  {
    auto again = Frame<CountingMeta>::from_in_use(pa);
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(frame.reference_count(), 2u);
  }
  EXPECT_EQ(Frame<CountingMeta>::from_in_use(pa + 1).error(), GetFrameError::NotAligned);
  EXPECT_EQ(Frame<CountingMeta>::from_in_use(kMemory).error(), GetFrameError::OutOfBound);
  EXPECT_EQ(Frame<CountingMeta>::from_in_use(take_frame()).error(), GetFrameError::Unused);
  const Paddr upa = take_frame();
  auto unique = UniqueFrame<CountingMeta>::from_unused(upa, {}).value();
  EXPECT_EQ(Frame<CountingMeta>::from_in_use(upa).error(), GetFrameError::Unique);
  const Paddr busy = take_frame();
  slot_of(busy).ref_count.store(0);
  EXPECT_EQ(Frame<CountingMeta>::from_in_use(busy).error(), GetFrameError::Busy);
  slot_of(busy).ref_count.store(REF_COUNT_UNUSED);
  // In use, but not as the asked-for type: InUse, and the probe's reference is given back.
  EXPECT_EQ(Frame<OtherMeta>::from_in_use(pa).error(), GetFrameError::InUse);
  EXPECT_EQ(frame.reference_count(), 1u);
  // Reserved frames are in use with ReservedMeta: AnyFrame sees them.
  auto reserved = AnyFrame::from_in_use(0);
  ASSERT_TRUE(reserved.has_value());
  EXPECT_TRUE(reserved->is<testing::ReservedMeta>());
  EXPECT_EQ(reserved->reference_count(), 2u);
}

TEST_F(FrameTest, SharedRawRoundTripAndMappingReferences) {
  const Paddr pa = take_frame();
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
  EXPECT_EQ(slot_of(pa).ref_count.load(), 1u);
  dec_frame_ref_for_mapping(pa);
  EXPECT_EQ(CountingMeta::drops, 1);
  EXPECT_EQ(free_frames(), before + 1);
}

TEST_F(FrameTest, BorrowDoesNotCountAndCloneDoes) {
  const Paddr pa = take_frame();
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

TEST_F(FrameTest, AnyFrameDowncastsByVtableIdentity) {
  const Paddr pa = take_frame();
  AnyFrame any = Frame<CountingMeta>::from_unused(pa, CountingMeta{8}).value();
  EXPECT_TRUE(any.is<CountingMeta>());
  EXPECT_FALSE(any.is<OtherMeta>());
  EXPECT_NE(std::string(any.meta_type_name()).find("CountingMeta"), std::string::npos);
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

TEST_F(FrameTest, UntypedBytesAreBoundsChecked) {
  auto frame = alloc_frame(PageMeta{}).value();
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

TEST_F(FrameTest, AllocFrameZeroesByDefault) {
  Paddr pa = 0;
  {
    auto dirty = alloc_frame(PageMeta{}).value();
    pa = dirty.paddr();
    ASSERT_TRUE(dirty.bytes().fill(0, PAGE_SIZE, std::byte{0xee}).has_value());
  }
  // LIFO per-CPU cache: the same frame comes back.
  {
    auto unzeroed = alloc_frame(PageMeta{}, {.zeroed = false}).value();
    ASSERT_EQ(unzeroed.paddr(), pa);
    std::array<std::byte, 1> b{};
    ASSERT_TRUE(unzeroed.bytes().read_bytes(17, b).has_value());
    EXPECT_EQ(b[0], std::byte{0xee});
  }
  auto zeroed = alloc_frame(PageMeta{}).value();
  ASSERT_EQ(zeroed.paddr(), pa);
  for (std::uint64_t off = 0; off < PAGE_SIZE; off += 512) {
    std::array<std::byte, 1> b{};
    ASSERT_TRUE(zeroed.bytes().read_bytes(off, b).has_value());
    EXPECT_EQ(b[0], std::byte{0});
  }
}

TEST_F(FrameTest, MoveAssignmentReleasesTheOldFrame) {
  const std::uint64_t before = free_frames();
  auto a = alloc_frame(CountingMeta{}).value();
  auto b = alloc_frame(CountingMeta{}).value();
  a = std::move(b);
  EXPECT_EQ(CountingMeta::drops, 1);
  EXPECT_EQ(free_frames(), before - 1);
}

}  // namespace
}  // namespace mm
