// Kernel-only tests of the frame handles: what needs the machine's real metadata region
// (a hole in RAM) or panic recovery (double frees that must panic naming the frame). The
// frame behaviour tests that need only a world of frames are shared with the host:
// frame_shared_test.cc (suite mm.frame.FrameSharedTest here).
#define KTEST_SUITE "mm.frame"
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>

#include "arch/x86_64/guarded_call.h"
#include "kernel/console.h"
#include "kernel/ktest/ktest.h"
#include "mm/allocator/frame_allocator.h"
#include "mm/allocator/invariants.h"
#include "mm/allocator/stats.h"
#include "mm/frame/frame.h"
#include "mm/frame/frame_meta.h"
#include "mm/frame/get_frame_error.h"
#include "mm/frame/segment.h"
#include "mm/frame/slot_ops.h"
#include "mm/frame/unique_frame.h"
#include "mm/linear_map.h"
#include "mm/meta/meta_geometry.h"
#include "mm/meta/meta_region.h"
#include "mm/meta/meta_slot.h"

namespace {

using mm::Paddr;
using mm::PAGE_SIZE;

struct Tagged {
  std::uint64_t tag = 0;
};

template <typename T>
std::string_view result_error_name(const std::expected<T, mm::frame::GetFrameError>& r) {
  return r ? "ok" : error_name(r.error());
}
std::string_view name(mm::frame::GetFrameError e) { return error_name(e); }

std::uint64_t count_of(Paddr pa) {
  return mm::meta::frame_to_meta(pa)->ref_count.load(std::memory_order_relaxed);
}

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

// Past the covered range: FrameSharedTest.PastTheMetadataIsOutOfBound. An unbacked stretch of
// the metadata region (a hole in RAM) has no slot either.
KTEST(unbacked_metadata_is_out_of_bound) {
  const mm::meta::MetaRegion& region = mm::meta::meta_region();
  for (Paddr pa = 0; pa < region.covered.end; pa += mm::meta::META_CHUNK_PHYS_SPAN) {
    if (region.plan.slot_is_backed(pa)) continue;
    KEXPECT_EQ(result_error_name(mm::frame::UniqueFrame<Tagged>::from_unused(pa, {})),
               name(mm::frame::GetFrameError::OutOfBound));
    break;
  }
}

// Restoring a UniqueFrame twice from one raw address: the second drop finds the frame
// already free and panics before touching anything (the allocator stays consistent).
void drop_unique_twice(Paddr pa) {
  mm::frame::UniqueFrame<Tagged> first = mm::frame::UniqueFrame<Tagged>::from_raw(pa);
  mm::frame::UniqueFrame<Tagged> second = mm::frame::UniqueFrame<Tagged>::from_raw(pa);
}  // second frees the frame, then first's drop panics

KTEST_EXPECT_PANIC_WITH(double_free_of_unique_frame_panics, "double free of frame") {
  auto frame = mm::allocator::alloc_frame(Tagged{});
  KTEST_ASSERT_TRUE(frame.has_value());
  drop_unique_twice(std::move(*frame).into_raw());
}

// The shared path, run under this test's own guard (panics only: a fault still goes to
// the runner) so the report can be checked: it must name the frame.
constexpr arch::GuardOptions DOUBLE_FREE_GUARD{
    .name = "mm.frame double-free test",
    .exceptions = 0,
    .panics = true,
};

[[gnu::noinline]] void drop_shared_twice(Paddr pa) {
  mm::frame::Frame<Tagged> first = mm::frame::Frame<Tagged>::from_raw(pa);
  mm::frame::Frame<Tagged> second = mm::frame::Frame<Tagged>::from_raw(pa);
}

KTEST(double_free_panic_names_the_frame) {
  auto unique = mm::allocator::alloc_frame(Tagged{});
  KTEST_ASSERT_TRUE(unique.has_value());
  const Paddr pa = std::move(*unique).into_shared().into_raw();
  keel::fmt::FixedString<1024> report;
  arch::GuardedOutcome ended;
  {
    kernel::ScopedConsoleCapture capture(report);
    ended = arch::guarded_call(DOUBLE_FREE_GUARD, [pa] { drop_shared_twice(pa); });
  }
  KTEST_ASSERT_TRUE(ended.panicked());
  // The refused second free changed nothing: the frame is still the allocator's.
  KEXPECT_EQ(count_of(pa), mm::meta::REF_COUNT_FREE);
  keel::fmt::FixedString<64> expected;
  keel::fmt::print(expected, "double free of frame {:#x}", pa);
  KEXPECT_TRUE(contains(report.view(), expected.view()));
  if (!contains(report.view(), expected.view())) ktest_ctx.print_diagnostic("wanted \"{}\"", expected.view());
  const auto invariants = mm::allocator::check_allocator_invariants();
  if (!invariants) ktest_ctx.print_diagnostic("{}", invariants.error());
  KEXPECT_TRUE(invariants.has_value());
}

}  // namespace
