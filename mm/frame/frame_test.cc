// Host-only tests of the frame handles: the ones that need the simulated world's fixed layout
// (absolute addresses, reserved frame 0), the allocator's passkey (testonly) or the LIFO
// cache handing the same frame back. Everything else runs on the host and in the kernel:
// frame_shared_test.cc.
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
#include "mm/frame/testing/test_metas.h"

namespace mm::frame {
namespace {

using allocator::testing::SimFrames;
using allocator::testing::slot_of;

constexpr std::uint64_t MEMORY = 8 << 20;
constexpr Paddr USABLE_START = SimFrames::USABLE_START;

using testing::CountingMeta;
using testing::OtherMeta;
using testing::PageMeta;

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
  FrameTest() : world_(MEMORY) { CountingMeta::drops = 0; }

  // A frame the test owns: UNUSED, on no list (from the allocator, not yet claimed).
  static Paddr take_frame() { return allocator::detail::take_frames(1, 1, false).value(); }
  static std::uint64_t free_frames() { return allocator::allocator_stats().total_free_frames; }
  static void expect_invariants() {
    auto ok = allocator::check_allocator_invariants();
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

TEST_F(FrameTest, FromUnusedErrors) {
  EXPECT_EQ(UniqueFrame<CountingMeta>::from_unused(USABLE_START + 1, {}).error(), GetFrameError::NotAligned);
  EXPECT_EQ(UniqueFrame<CountingMeta>::from_unused(MEMORY, {}).error(), GetFrameError::OutOfBound);
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
  slot_of(busy).ref_count.store(meta::REF_COUNT_UNUSED);
  allocator::return_frames_to_allocator(busy, 1);
  EXPECT_EQ(CountingMeta::drops, 0);  // failed claims construct nothing
}

TEST_F(FrameTest, FromUnusedRefusesAFreeBlockHeadOwnedByTheAllocator) {
  allocator::drain_cpu_cache();
  // After init the whole usable range is free blocks; 1 MiB is the head of an order-8 block.
  ASSERT_EQ(slot_of(USABLE_START).ref_count.load(), meta::REF_COUNT_FREE);
  EXPECT_EQ(UniqueFrame<CountingMeta>::from_unused(USABLE_START, {}).error(), GetFrameError::Free);
  EXPECT_EQ(slot_of(USABLE_START).ref_count.load(), meta::REF_COUNT_FREE);
  // Its interior frames are the allocator's too.
  EXPECT_EQ(UniqueFrame<CountingMeta>::from_unused(USABLE_START + 5 * PAGE_SIZE, {}).error(),
            GetFrameError::Free);
  EXPECT_EQ(slot_of(USABLE_START + 5 * PAGE_SIZE).ref_count.load(), meta::REF_COUNT_TAIL);
  expect_invariants();
}

TEST_F(FrameTest, ResetAsUnusedNeedsThePasskeyAndDoesNotFree) {
  const std::uint64_t before = free_frames();
  const Paddr pa = take_frame();
  auto frame = UniqueFrame<CountingMeta>::from_unused(pa, {}).value();
  std::move(frame).reset_as_unused(allocator::testing::AllocatorPeer::passkey());
  EXPECT_EQ(CountingMeta::drops, 1);
  EXPECT_EQ(slot_of(pa).ref_count.load(), meta::REF_COUNT_UNUSED);
  EXPECT_EQ(free_frames(), before - 1);  // the allocator was not called
  allocator::return_frames_to_allocator(pa, 1);
  EXPECT_EQ(free_frames(), before);
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
  EXPECT_EQ(Frame<CountingMeta>::from_in_use(MEMORY).error(), GetFrameError::OutOfBound);
  EXPECT_EQ(Frame<CountingMeta>::from_in_use(take_frame()).error(), GetFrameError::Unused);
  const Paddr upa = take_frame();
  auto unique = UniqueFrame<CountingMeta>::from_unused(upa, {}).value();
  EXPECT_EQ(Frame<CountingMeta>::from_in_use(upa).error(), GetFrameError::Unique);
  const Paddr busy = take_frame();
  slot_of(busy).ref_count.store(0);
  EXPECT_EQ(Frame<CountingMeta>::from_in_use(busy).error(), GetFrameError::Busy);
  slot_of(busy).ref_count.store(meta::REF_COUNT_UNUSED);
  // In use, but not as the asked-for type: InUse, and the probe's reference is given back.
  EXPECT_EQ(Frame<OtherMeta>::from_in_use(pa).error(), GetFrameError::InUse);
  EXPECT_EQ(frame.reference_count(), 1u);
  // Reserved frames are in use with ReservedMeta: AnyFrame sees them.
  auto reserved = AnyFrame::from_in_use(0);
  ASSERT_TRUE(reserved.has_value());
  EXPECT_TRUE(reserved->is<allocator::testing::ReservedMeta>());
  EXPECT_EQ(reserved->reference_count(), 2u);
}

TEST_F(FrameTest, AllocFrameZeroesByDefault) {
  Paddr pa = 0;
  {
    auto dirty = allocator::alloc_frame(PageMeta{}).value();
    pa = dirty.paddr();
    ASSERT_TRUE(dirty.bytes().fill(0, PAGE_SIZE, std::byte{0xee}).has_value());
  }
  // LIFO per-CPU cache: the same frame comes back.
  {
    auto unzeroed = allocator::alloc_frame(PageMeta{}, {.zeroed = false}).value();
    ASSERT_EQ(unzeroed.paddr(), pa);
    std::array<std::byte, 1> b{};
    ASSERT_TRUE(unzeroed.bytes().read_bytes(17, b).has_value());
    EXPECT_EQ(b[0], std::byte{0xee});
  }
  auto zeroed = allocator::alloc_frame(PageMeta{}).value();
  ASSERT_EQ(zeroed.paddr(), pa);
  for (std::uint64_t off = 0; off < PAGE_SIZE; off += 512) {
    std::array<std::byte, 1> b{};
    ASSERT_TRUE(zeroed.bytes().read_bytes(off, b).has_value());
    EXPECT_EQ(b[0], std::byte{0});
  }
}

}  // namespace
}  // namespace mm::frame
