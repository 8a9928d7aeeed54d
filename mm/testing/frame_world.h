// FrameWorldTest: the fixture that gives a shared (lib/test/test.h) test a world of frames.
// On the host, a fresh SimFrames world per test (simulated RAM, metadata and a freshly
// initialized allocator over it); in the kernel, the live allocator over the machine's
// real metadata, whatever it holds. So a test assumes no absolute address and no fresh
// allocator: it gets its frames and counts from here and checks relative to them.
//
//   class FrameSharedTest : public mm::testing::FrameWorldTest {};
//   TEST_F(FrameSharedTest, ...) { const Paddr pa = take_unused_frames(1); ... }
//
// TearDown checks the test gave back every frame it took (the free total of SetUp).
#pragma once

#include <cstdint>

#include "lib/test/test.h"
#include "mm/allocator/frame_allocator.h"
#include "mm/allocator/invariants.h"
#include "mm/allocator/stats.h"
#include "mm/frame/frame_meta.h"
#include "mm/meta/meta_geometry.h"
#include "mm/types.h"

#if defined(KEEL_KERNEL)
extern "C" char __kernel_phys_start[];
#else
#include "mm/allocator/testing/sim_frames.h"
#endif

namespace mm::testing {

class FrameWorldTest : public ::testing::Test {
 protected:
#if !defined(KEEL_KERNEL)
  // 16 MiB of simulated RAM, [1 MiB, 16 MiB) usable (below it: in use, as firmware and
  // boot frames are). Big enough for a free 2 MiB block and for 4 KiB allocations to split.
  static constexpr std::uint64_t HOST_MEMORY = 16 << 20;
  static constexpr Paddr HOST_USABLE_START = 1 << 20;
  FrameWorldTest() : world_(HOST_MEMORY, {PhysRange{HOST_USABLE_START, HOST_MEMORY}}) {}
#endif

  void SetUp() override { free_at_setup_ = free_frames(); }
  void TearDown() override {
    EXPECT_EQ(free_frames(), free_at_setup_) << "frames the test took and did not give back";
  }

  // The free-frame total with every CPU's cache drained.
  static std::uint64_t free_frames() {
    allocator::drain_every_cpu_cache();
    return allocator::allocator_stats().total_free_frames;
  }
  std::uint64_t free_at_setup() const { return free_at_setup_; }

  // `n` contiguous frames straight from the allocator: UNUSED, on no list, the test's (the
  // state between the allocator handing frames out and a handle claiming them). 0 if none.
  // Give them back with return_frames_to_allocator.
  static Paddr take_unused_frames(std::uint64_t n) {
    const auto pa = allocator::detail::take_frames(n, 1, /*zeroed=*/false);
    return pa ? *pa : 0;
  }

  // A frame in use for good (count 1, never freed): the kernel image's first frame in the
  // kernel, a reserved frame below the usable range on the host.
  static Paddr permanently_used_frame() {
#if defined(KEEL_KERNEL)
    return align_down(reinterpret_cast<Paddr>(__kernel_phys_start), PAGE_SIZE);
#else
    return 0;
#endif
  }

  static std::uint64_t count_of(Paddr pa) {
    return meta::frame_to_meta(pa)->ref_count.load(std::memory_order_relaxed);
  }

  static void expect_allocator_invariants() {
    const auto ok = allocator::check_allocator_invariants();
    EXPECT_TRUE(ok.has_value()) << keel::test::text(ok.error());
  }

 private:
#if !defined(KEEL_KERNEL)
  allocator::testing::SimFrames world_;
#endif
  std::uint64_t free_at_setup_ = 0;
};

}  // namespace mm::testing
