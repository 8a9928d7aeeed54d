// Kernel bugs the frame layer and the allocator detect: each panics with the frame address.
#include <gtest/gtest.h>

#include "mm/allocator/frame_allocator.h"
#include "mm/allocator/testing/sim_frames.h"
#include "mm/frame/frame.h"
#include "mm/frame/segment.h"
#include "mm/frame/unique_frame.h"

namespace mm::frame {
namespace {

using allocator::testing::SimFrames;
using allocator::testing::slot_of;

struct Meta {
  int x = 0;
};

class FrameDeathTest : public ::testing::Test {
 protected:
  FrameDeathTest() : world_(4 << 20) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
  }
  SimFrames world_;
};

TEST_F(FrameDeathTest, UniqueFrameDoubleFree) {
  auto frame = allocator::alloc_frame(Meta{}).value();
  const Paddr pa = std::move(frame).into_raw();
  EXPECT_DEATH(
      {
        auto first = UniqueFrame<Meta>::from_raw(pa);
        auto second = UniqueFrame<Meta>::from_raw(pa);  // a bug: two owners
      },
      "double free of frame 0x[0-9a-f]+");
}

TEST_F(FrameDeathTest, UniqueFromRawOfAFreedFrameViolatesThePrecondition) {
  Paddr pa = 0;
  { pa = allocator::alloc_frame(Meta{}).value().paddr(); }
  EXPECT_DEATH({ auto again = UniqueFrame<Meta>::from_raw(pa); }, "precondition");
}

TEST_F(FrameDeathTest, SharedFrameDoubleFree) {
  auto frame = Frame<Meta>(allocator::alloc_frame(Meta{}).value());
  const Paddr pa = std::move(frame).into_raw();
  char expected[64];
  std::snprintf(expected, sizeof(expected), "double free of frame %#llx", static_cast<unsigned long long>(pa));
  EXPECT_DEATH(
      {
        auto a = Frame<Meta>::from_raw(pa);
        auto b = Frame<Meta>::from_raw(pa);  // one reference restored twice
      },
      expected);
}

TEST_F(FrameDeathTest, RefCountOverflowIsAPanicNotAWrap) {
  auto frame = Frame<Meta>(allocator::alloc_frame(Meta{}).value());
  slot_of(frame.paddr()).ref_count.store(meta::REF_COUNT_MAX);
  EXPECT_DEATH({ Frame<Meta> copy = frame; }, "reference count overflow");
  slot_of(frame.paddr()).ref_count.store(1);
}

TEST_F(FrameDeathTest, FromInUseAtMaxCountPanics) {
  auto frame = Frame<Meta>(allocator::alloc_frame(Meta{}).value());
  slot_of(frame.paddr()).ref_count.store(meta::REF_COUNT_MAX);
  EXPECT_DEATH({ auto more = Frame<Meta>::from_in_use(frame.paddr()); }, "reference count overflow");
  slot_of(frame.paddr()).ref_count.store(1);
}

TEST_F(FrameDeathTest, ReturningAFreeFrameIsADoubleFree) {
  allocator::drain_cpu_cache();
  // 1 MiB is the head of a free block on a buddy list.
  EXPECT_DEATH(allocator::return_frames_to_allocator(1 << 20, 1), "double free of frame 0x100000");
}

TEST_F(FrameDeathTest, FreeingAReservedFramePanics) {
  EXPECT_DEATH(allocator::return_frames_to_allocator(0x5000, 1), "freeing reserved frame");
}

TEST_F(FrameDeathTest, FreeingAStillReferencedFramePanics) {
  auto frame = Frame<Meta>(allocator::alloc_frame(Meta{}).value());
  EXPECT_DEATH(allocator::return_frames_to_allocator(frame.paddr(), 1),
               "bad free of frame 0x[0-9a-f]+: it is shared \\(count 1\\)");
}

TEST_F(FrameDeathTest, SliceOutOfRangePanicsWithTheCondition) {
  auto seg = allocator::alloc_segment<Meta>(2, [](Paddr) { return Meta{}; }).value();
  EXPECT_DEATH({ auto s = seg.slice({0, 3 * PAGE_SIZE}); }, "precondition.*sliced.has_value");
  EXPECT_DEATH({ auto parts = std::move(seg).split(0); }, "precondition");
}

TEST_F(FrameDeathTest, UsingAMovedFromHandlePanics) {
  auto frame = Frame<Meta>(allocator::alloc_frame(Meta{}).value());
  Frame<Meta> other = std::move(frame);
  EXPECT_DEATH((void)frame.paddr(), "slot_ != nullptr");  // NOLINT(bugprone-use-after-move)
}

}  // namespace
}  // namespace mm::frame
