// In-kernel tests of the frame handles over the real metadata region and allocator: every
// GetFrameError provoked on purpose, handle conversions, segments, untyped byte access,
// and double frees that must panic naming the frame.
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
#include "mm/frame/meta_bounds.h"
#include "mm/frame/segment.h"
#include "mm/frame/slot_ops.h"
#include "mm/frame/unique_frame.h"
#include "mm/meta/meta_region.h"
#include "mm/meta/meta_slot.h"

extern "C" char __kernel_phys_start[];

namespace {

using mm::Paddr;
using mm::PAGE_SIZE;

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

mm::UntypedMeta untyped(Paddr) { return {}; }

template <typename T>
std::string_view result_error_name(const std::expected<T, mm::GetFrameError>& r) {
  return r ? "ok" : error_name(r.error());
}
std::string_view name(mm::GetFrameError e) { return error_name(e); }

std::uint64_t count_of(Paddr pa) {
  return mm::frame_to_meta(pa)->ref_count.load(std::memory_order_relaxed);
}

std::uint64_t free_frames() {
  mm::drain_cpu_cache();
  return mm::allocator_stats().total_free_frames;
}

// A frame taken straight from the allocator: UNUSED, on no list, owned by the test (the
// state a frame is in between the allocator handing it out and a handle claiming it).
Paddr take_raw_frames(std::uint64_t n) {
  const auto pa = mm::allocator_detail::take_frames(n, 1, /*zeroed=*/false);
  return pa ? *pa : 0;
}

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

KTEST(not_aligned) {
  const Paddr pa = take_raw_frames(1);
  KASSERT_TRUE(pa != 0);
  KEXPECT_EQ(result_error_name(mm::UniqueFrame<Tagged>::from_unused(pa + 1, {})), name(mm::GetFrameError::NotAligned));
  KEXPECT_EQ(result_error_name(mm::Frame<Tagged>::from_unused(pa + 0x800, {})), name(mm::GetFrameError::NotAligned));
  KEXPECT_EQ(result_error_name(mm::AnyFrame::from_in_use(pa + 8)), name(mm::GetFrameError::NotAligned));
  KEXPECT_EQ(result_error_name(mm::Segment<Tagged>::from_unused({pa + 1, pa + PAGE_SIZE},
                                                         [](Paddr) { return Tagged{}; })),
             name(mm::GetFrameError::NotAligned));
  KEXPECT_EQ(count_of(pa), mm::REF_COUNT_UNUSED);  // nothing changed
  mm::return_frames_to_allocator(pa, 1);
}

KTEST(out_of_bound) {
  for (const Paddr pa : {mm::g_max_paddr, mm::g_max_paddr + PAGE_SIZE, mm::MAX_PADDR}) {
    KEXPECT_EQ(result_error_name(mm::UniqueFrame<Tagged>::from_unused(pa, {})), name(mm::GetFrameError::OutOfBound));
    KEXPECT_EQ(result_error_name(mm::AnyFrame::from_in_use(pa)), name(mm::GetFrameError::OutOfBound));
  }
  // An unbacked stretch of the metadata region (a hole in RAM) has no slot either.
  const mm::MetaRegion& region = mm::meta_region();
  for (Paddr pa = 0; pa < region.covered.end; pa += mm::META_CHUNK_PHYS_SPAN) {
    if (region.plan.slot_is_backed(pa)) continue;
    KEXPECT_EQ(result_error_name(mm::UniqueFrame<Tagged>::from_unused(pa, {})), name(mm::GetFrameError::OutOfBound));
    break;
  }
}

KTEST(unused) {
  const Paddr pa = take_raw_frames(1);
  KASSERT_TRUE(pa != 0);
  KEXPECT_EQ(result_error_name(mm::AnyFrame::from_in_use(pa)), name(mm::GetFrameError::Unused));
  KEXPECT_EQ(result_error_name(mm::Frame<Tagged>::from_in_use(pa)), name(mm::GetFrameError::Unused));
  KEXPECT_EQ(count_of(pa), mm::REF_COUNT_UNUSED);
  mm::return_frames_to_allocator(pa, 1);
}

KTEST(in_use) {
  auto unique = mm::alloc_frame(Tagged{7});
  KASSERT_TRUE(unique.has_value());
  mm::Frame<Tagged> shared = std::move(*unique).into_shared();
  const Paddr pa = shared.paddr();
  KEXPECT_EQ(result_error_name(mm::UniqueFrame<Tagged>::from_unused(pa, {})), name(mm::GetFrameError::InUse));
  KEXPECT_EQ(result_error_name(mm::Frame<Other>::from_unused(pa, {})), name(mm::GetFrameError::InUse));
  // A handle of the wrong type: refused, and the reference taken to look is given back.
  KEXPECT_EQ(result_error_name(mm::Frame<Other>::from_in_use(pa)), name(mm::GetFrameError::InUse));
  KEXPECT_EQ(shared.reference_count(), 1u);
  // Boot frames are in use forever.
  const Paddr image = mm::align_down(reinterpret_cast<Paddr>(__kernel_phys_start), PAGE_SIZE);
  KEXPECT_EQ(result_error_name(mm::UniqueFrame<Tagged>::from_unused(image, {})), name(mm::GetFrameError::InUse));
  KEXPECT_EQ(count_of(image), 1u);
}

// A freed frame belongs to the allocator (FREE, in this CPU's cache): no claim succeeds.
// Every frame the allocator holds on this machine (heads and tails of listed and cached
// free blocks) and every tail of a live huge frame refuses every claim, unchanged.
KTEST(no_claim_of_any_foreign_frame_succeeds) {
  auto huge = mm::alloc_frame(Tagged{}, {.zeroed = false, .level = 2});
  KASSERT_TRUE(huge.has_value());
  auto small = mm::alloc_frame(Tagged{}, {.zeroed = false});
  KASSERT_TRUE(small.has_value());
  { auto cached = mm::alloc_frame(Tagged{}, {.zeroed = false}); }  // into this CPU's cache
  const std::uint64_t free_before = mm::allocator_stats().total_free_frames;
  std::uint64_t swept = 0, tails = 0, wrong = 0;
  for (Paddr pa = 0; pa < mm::g_max_paddr; pa += PAGE_SIZE) {
    if (!mm::has_slot(pa)) continue;
    const std::uint64_t count = count_of(pa);
    if (count != mm::REF_COUNT_FREE && count != mm::REF_COUNT_TAIL) continue;
    const std::uint64_t word = mm::frame_to_meta(pa)->block.load(std::memory_order_relaxed);
    const bool huge_tail = count == mm::REF_COUNT_TAIL && mm::slot::covering_head(pa) == huge->paddr();
    const std::string_view expected = name(huge_tail ? mm::GetFrameError::Tail : mm::GetFrameError::Free);
    const bool refused = result_error_name(mm::UniqueFrame<Tagged>::from_unused(pa, {})) == expected &&
                         result_error_name(mm::AnyFrame::from_in_use(pa)) == expected;
    const bool unchanged = count_of(pa) == count &&
                           mm::frame_to_meta(pa)->block.load(std::memory_order_relaxed) == word;
    if ((!refused || !unchanged) && wrong++ < 4) {
      ktest_ctx.print_diagnostic("frame {:#x} (count {:#x}): claim not refused as {}", pa, count, expected);
    }
    ++swept;
    tails += huge_tail;
  }
  ktest_ctx.print_diagnostic("{} foreign frames swept, {} of them tails of a 2 MiB frame", swept, tails);
  KEXPECT_EQ(wrong, 0u);
  KEXPECT_EQ(tails, 511u);
  KEXPECT_GT(swept, free_before);  // free frames plus the huge frame's tails
  KEXPECT_EQ(mm::allocator_stats().total_free_frames, free_before);
}

KTEST(free_frames_belong_to_the_allocator) {
  Paddr pa = 0;
  {
    auto frame = mm::alloc_frame(Tagged{});
    KASSERT_TRUE(frame.has_value());
    pa = frame->paddr();
  }  // back into this CPU's cache: FREE, marked "cpu cache"
  KEXPECT_EQ(count_of(pa), mm::REF_COUNT_FREE);
  KEXPECT_NE(mm::frame_to_meta(pa)->block.load(std::memory_order_relaxed), 0u);
  KEXPECT_EQ(result_error_name(mm::UniqueFrame<Tagged>::from_unused(pa, {})), name(mm::GetFrameError::Free));
  KEXPECT_EQ(result_error_name(mm::Frame<Tagged>::from_in_use(pa)), name(mm::GetFrameError::Free));
  KEXPECT_EQ(count_of(pa), mm::REF_COUNT_FREE);
  const auto invariants = mm::check_allocator_invariants();
  if (!invariants) ktest_ctx.print_diagnostic("{}", invariants.error());
  KEXPECT_TRUE(invariants.has_value());
}

KTEST(unique) {
  auto unique = mm::alloc_frame(Tagged{});
  KASSERT_TRUE(unique.has_value());
  const Paddr pa = unique->paddr();
  KEXPECT_EQ(result_error_name(mm::AnyFrame::from_in_use(pa)), name(mm::GetFrameError::Unique));
  KEXPECT_EQ(result_error_name(mm::UniqueFrame<Tagged>::from_unused(pa, {})), name(mm::GetFrameError::Unique));
  KEXPECT_EQ(count_of(pa), mm::REF_COUNT_UNIQUE);
}

// Busy (count 0) is a transient state; fake it on a frame the test owns, then restore.
KTEST(busy) {
  auto unique = mm::alloc_frame(Tagged{});
  KASSERT_TRUE(unique.has_value());
  mm::MetaSlot& slot = *mm::frame_to_meta(unique->paddr());
  const std::uint64_t saved = slot.ref_count.exchange(0, std::memory_order_relaxed);
  const auto in_use = mm::AnyFrame::from_in_use(unique->paddr());
  const auto unused = mm::UniqueFrame<Tagged>::from_unused(unique->paddr(), {});
  const std::uint64_t after = slot.ref_count.exchange(saved, std::memory_order_relaxed);
  KEXPECT_EQ(result_error_name(in_use), name(mm::GetFrameError::Busy));
  KEXPECT_EQ(result_error_name(unused), name(mm::GetFrameError::Busy));
  KEXPECT_EQ(after, 0u);  // the failed attempts left the count alone
}

KTEST(unique_to_shared_and_back) {
  const std::uint64_t free_before = free_frames();
  {
    auto unique = mm::alloc_frame(Tagged{1});
    KASSERT_TRUE(unique.has_value());
    unique->meta_mut().tag = 0xfeed;
    const Paddr pa = unique->paddr();
    mm::Frame<Tagged> shared = std::move(*unique);
    KEXPECT_EQ(shared.reference_count(), 1u);
    KEXPECT_EQ(shared.meta().tag, 0xfeedu);
    KEXPECT_EQ(shared.paddr(), pa);
    mm::Frame<Tagged> second = shared;
    KEXPECT_EQ(shared.reference_count(), 2u);
    // Two references: not uniquely ownable; the handle comes back intact.
    auto refused = mm::UniqueFrame<Tagged>::try_from_shared(std::move(second));
    KASSERT_TRUE(!refused.has_value());
    mm::Frame<Tagged> back = std::move(refused.error());
    KEXPECT_EQ(back.reference_count(), 2u);
    { mm::Frame<Tagged> dropped = std::move(back); }
    KEXPECT_EQ(shared.reference_count(), 1u);
    auto again = mm::UniqueFrame<Tagged>::try_from_shared(std::move(shared));
    KASSERT_TRUE(again.has_value());
    KEXPECT_EQ(count_of(pa), mm::REF_COUNT_UNIQUE);
    KEXPECT_EQ(again->meta().tag, 0xfeedu);
  }
  KEXPECT_EQ(free_frames(), free_before);
}

KTEST(raw_round_trip_keeps_the_reference) {
  const std::uint64_t free_before = free_frames();
  auto unique = mm::alloc_frame(Tagged{3});
  KASSERT_TRUE(unique.has_value());
  const Paddr pa = std::move(*unique).into_raw();
  KEXPECT_EQ(count_of(pa), mm::REF_COUNT_UNIQUE);
  mm::Frame<Tagged> shared = mm::UniqueFrame<Tagged>::from_raw(pa).into_shared();
  const Paddr raw = std::move(shared).into_raw();
  KEXPECT_EQ(raw, pa);
  KEXPECT_EQ(count_of(pa), 1u);
  {
    mm::Frame<Tagged> restored = mm::Frame<Tagged>::from_raw(raw);
    KEXPECT_EQ(restored.meta().tag, 3u);
  }
  KEXPECT_EQ(count_of(pa), mm::REF_COUNT_FREE);
  KEXPECT_EQ(free_frames(), free_before);
}

KTEST(any_frame_downcasts) {
  auto unique = mm::alloc_frame(Tagged{5});
  KASSERT_TRUE(unique.has_value());
  mm::AnyFrame any = mm::Frame<Tagged>(std::move(*unique));
  KEXPECT_TRUE(any.is<Tagged>());
  KEXPECT_FALSE(any.is<Other>());
  auto wrong = std::move(any).downcast<Other>();
  KASSERT_TRUE(!wrong.has_value());
  auto right = std::move(wrong.error()).downcast<Tagged>();
  KASSERT_TRUE(right.has_value());
  KEXPECT_EQ(right->meta().tag, 5u);
  KEXPECT_EQ(right->reference_count(), 1u);
}

KTEST(on_drop_runs_once_with_the_address) {
  g_drops = 0;
  Paddr pa = 0;
  {
    auto frame = mm::alloc_frame(CountsDrops{});
    KASSERT_TRUE(frame.has_value());
    pa = frame->paddr();
    mm::Frame<CountsDrops> a = std::move(*frame);
    mm::Frame<CountsDrops> b = a;
  }
  KEXPECT_EQ(g_drops, 1u);
  KEXPECT_EQ(g_dropped_at, pa);
}

KTEST(untyped_bytes_are_bounds_checked) {
  auto frame = mm::alloc_frame(mm::UntypedMeta{});
  KASSERT_TRUE(frame.has_value());
  const mm::UntypedBytes bytes = frame->bytes();
  const std::byte in[4] = {std::byte{1}, std::byte{2}, std::byte{3}, std::byte{4}};
  std::byte out[4] = {};
  KEXPECT_TRUE(bytes.write_bytes(PAGE_SIZE - 4, in).has_value());
  KEXPECT_TRUE(bytes.read_bytes(PAGE_SIZE - 4, out).has_value());
  KEXPECT_EQ(static_cast<unsigned>(out[3]), 4u);
  // The same bytes through the linear map.
  KEXPECT_EQ(static_cast<const std::uint8_t*>(mm::hal::phys_to_virt(frame->paddr()))[PAGE_SIZE - 1], 4u);
  KEXPECT_FALSE(bytes.write_bytes(PAGE_SIZE - 3, in).has_value());
  KEXPECT_FALSE(bytes.read_bytes(~std::uint64_t{0}, out).has_value());
  KEXPECT_FALSE(bytes.fill(1, ~std::uint64_t{0}, std::byte{0}).has_value());
}

KTEST(segment_split_and_slice) {
  const std::uint64_t free_before = free_frames();
  {
    auto seg = mm::alloc_segment<mm::UntypedMeta>(8, untyped);
    KASSERT_TRUE(seg.has_value());
    const Paddr base = seg->paddr();
    KEXPECT_EQ(seg->nframes(), 8u);
    for (mm::FrameRef<mm::UntypedMeta> f : seg->frames()) KEXPECT_EQ(count_of(f.paddr()), 1u);

    auto [head, tail] = std::move(*seg).split(3 * PAGE_SIZE);
    KEXPECT_EQ(head.start_paddr(), base);
    KEXPECT_EQ(head.end_paddr(), base + 3 * PAGE_SIZE);
    KEXPECT_EQ(tail.start_paddr(), base + 3 * PAGE_SIZE);
    KEXPECT_EQ(tail.end_paddr(), base + 8 * PAGE_SIZE);
    KEXPECT_EQ(count_of(base), 1u);  // splitting changes no count

    auto middle = tail.try_slice({PAGE_SIZE, 3 * PAGE_SIZE});
    KASSERT_TRUE(middle.has_value());
    KEXPECT_EQ(middle->start_paddr(), base + 4 * PAGE_SIZE);
    KEXPECT_EQ(middle->nframes(), 2u);
    KEXPECT_EQ(count_of(base + 4 * PAGE_SIZE), 2u);
    KEXPECT_EQ(count_of(base + 6 * PAGE_SIZE), 1u);
    const mm::Segment<mm::UntypedMeta> copy = head.clone();
    KEXPECT_EQ(count_of(base), 2u);
    KEXPECT_TRUE(tail.try_slice({0, 0}).has_value());  // empty slice is fine
  }
  KEXPECT_EQ(free_frames(), free_before);
}

std::string_view slice_error(const std::expected<mm::Segment<mm::UntypedMeta>, mm::SegmentRangeError>& r) {
  if (r) return "ok";
  switch (r.error()) {
    case mm::SegmentRangeError::NotAligned: return "NotAligned";
    case mm::SegmentRangeError::Reversed: return "Reversed";
    case mm::SegmentRangeError::OutOfRange: return "OutOfRange";
  }
  return "?";
}

// Bad ranges, including those whose start + len wraps past 2^64 (Asterinas's unchecked
// slice): errors, with no count touched.
KTEST(segment_slice_rejects_bad_and_overflowing_ranges) {
  auto seg = mm::alloc_segment<mm::UntypedMeta>(4, untyped);
  KASSERT_TRUE(seg.has_value());
  const std::uint64_t n = seg->nbytes();
  const std::uint64_t huge = mm::align_down(~std::uint64_t{0}, PAGE_SIZE);
  KEXPECT_EQ(slice_error(seg->try_slice({1, PAGE_SIZE})), std::string_view("NotAligned"));
  KEXPECT_EQ(slice_error(seg->try_slice({0, n + 1})), std::string_view("NotAligned"));
  KEXPECT_EQ(slice_error(seg->try_slice({2 * PAGE_SIZE, PAGE_SIZE})), std::string_view("Reversed"));
  KEXPECT_EQ(slice_error(seg->try_slice({0, n + PAGE_SIZE})), std::string_view("OutOfRange"));
  // start + len wrapped: end < start.
  const std::uint64_t start = 2 * PAGE_SIZE;
  KEXPECT_EQ(slice_error(seg->try_slice({start, start + huge})), std::string_view("Reversed"));
  // Both ends huge: in order, but far past the segment (start + base would wrap).
  KEXPECT_EQ(slice_error(seg->try_slice({huge - PAGE_SIZE, huge})), std::string_view("OutOfRange"));
  for (mm::FrameRef<mm::UntypedMeta> f : seg->frames()) KEXPECT_EQ(count_of(f.paddr()), 1u);
}

// A Segment claim that fails part-way gives back what it claimed: nothing changes.
KTEST(segment_from_unused_rolls_back) {
  const Paddr pa = take_raw_frames(3);
  KASSERT_TRUE(pa != 0);
  auto blocker = mm::UniqueFrame<Tagged>::from_unused(pa + 2 * PAGE_SIZE, {});
  KASSERT_TRUE(blocker.has_value());
  auto seg = mm::Segment<Tagged>::from_unused({pa, pa + 3 * PAGE_SIZE}, [](Paddr) { return Tagged{}; });
  KEXPECT_EQ(result_error_name(seg), name(mm::GetFrameError::Unique));
  KEXPECT_EQ(count_of(pa), mm::REF_COUNT_UNUSED);
  KEXPECT_EQ(count_of(pa + PAGE_SIZE), mm::REF_COUNT_UNUSED);
  KEXPECT_TRUE(mm::frame_to_meta(pa)->vtable == nullptr);
  mm::return_frames_to_allocator(pa, 2);  // the blocker returns its frame itself
}

// Restoring a UniqueFrame twice from one raw address: the second drop finds the frame
// already free and panics before touching anything (the allocator stays consistent).
void drop_unique_twice(Paddr pa) {
  mm::UniqueFrame<Tagged> first = mm::UniqueFrame<Tagged>::from_raw(pa);
  mm::UniqueFrame<Tagged> second = mm::UniqueFrame<Tagged>::from_raw(pa);
}  // second frees the frame, then first's drop panics

KTEST_EXPECT_PANIC_WITH(double_free_of_unique_frame_panics, "double free of frame") {
  auto frame = mm::alloc_frame(Tagged{});
  KASSERT_TRUE(frame.has_value());
  drop_unique_twice(std::move(*frame).into_raw());
}

// The shared path, run under this test's own guard (panics only: a fault still goes to
// the runner) so the report can be checked: it must name the frame.
constexpr arch::GuardOptions kDoubleFreeGuard{
    .name = "mm.frame double-free test",
    .exceptions = 0,
    .panics = true,
};

[[gnu::noinline]] void drop_shared_twice(Paddr pa) {
  mm::Frame<Tagged> first = mm::Frame<Tagged>::from_raw(pa);
  mm::Frame<Tagged> second = mm::Frame<Tagged>::from_raw(pa);
}

KTEST(double_free_panic_names_the_frame) {
  auto unique = mm::alloc_frame(Tagged{});
  KASSERT_TRUE(unique.has_value());
  const Paddr pa = std::move(*unique).into_shared().into_raw();
  keel::fmt::FixedString<1024> report;
  arch::GuardedOutcome ended;
  {
    console::ScopedCapture capture(report);
    ended = arch::guarded_call(kDoubleFreeGuard, [pa] { drop_shared_twice(pa); });
  }
  KASSERT_TRUE(ended.panicked());
  // The refused second free changed nothing: the frame is still the allocator's.
  KEXPECT_EQ(count_of(pa), mm::REF_COUNT_FREE);
  keel::fmt::FixedString<64> expected;
  keel::fmt::print(expected, "double free of frame {:#x}", pa);
  KEXPECT_TRUE(contains(report.view(), expected.view()));
  if (!contains(report.view(), expected.view())) ktest_ctx.print_diagnostic("wanted \"{}\"", expected.view());
  const auto invariants = mm::check_allocator_invariants();
  if (!invariants) ktest_ctx.print_diagnostic("{}", invariants.error());
  KEXPECT_TRUE(invariants.has_value());
}

}  // namespace
