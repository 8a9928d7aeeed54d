// Benchmarks of the frame handles (suite mm/frame): claiming a frame and giving it up
// without the allocator, the raw-reference round trip, and reference counting.
#define KBENCH_SUITE "mm/frame"
#include <cstdint>
#include <utility>

#include "kernel/kbench/kbench.h"
#include "mm/allocator/frame_allocator.h"
#include "mm/allocator/passkey.h"
#include "mm/frame/frame.h"
#include "mm/frame/frame_dealloc.h"
#include "mm/frame/unique_frame.h"

namespace {

using mm::Paddr;

// from_unused -> into_raw -> from_raw -> back to UNUSED, on one frame the benchmark owns
// (taken raw from the allocator): the handle layer's slot state machine alone.
KBENCH(from_unused_into_raw_from_raw) {
  const auto pa = mm::allocator_detail::take_frames(1, 1, /*zeroed=*/false);
  if (!pa) return state.error("out of memory");
  for (auto _ : state) {
    auto frame = mm::UniqueFrame<mm::UntypedMeta>::from_unused(*pa, {});
    if (!frame) [[unlikely]] break;
    const Paddr raw = std::move(*frame).into_raw();
    auto restored = mm::UniqueFrame<mm::UntypedMeta>::from_raw(raw);
    std::move(restored).reset_as_unused(mm::allocator_detail::PasskeyFactory::make());
  }
  mm::return_frames_to_allocator(*pa, 1);
}

// Shared-handle copy and drop: one relaxed increment, one release decrement.
KBENCH(frame_clone_drop) {
  auto unique = mm::alloc_frame(mm::UntypedMeta{}, {.zeroed = false});
  if (!unique) return state.error("out of memory");
  const mm::Frame<mm::UntypedMeta> frame = std::move(*unique);
  for (auto _ : state) {
    mm::Frame<mm::UntypedMeta> copy = frame;
    kbench::do_not_optimize(copy);
  }
}

// The same through the type-erased handle (the drop goes through the vtable when last).
KBENCH(any_frame_clone_drop) {
  auto unique = mm::alloc_frame(mm::UntypedMeta{}, {.zeroed = false});
  if (!unique) return state.error("out of memory");
  const mm::AnyFrame frame = mm::Frame<mm::UntypedMeta>(std::move(*unique));
  for (auto _ : state) {
    mm::AnyFrame copy = frame;
    kbench::do_not_optimize(copy);
  }
}

}  // namespace
