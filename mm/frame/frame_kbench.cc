// Benchmarks of the frame handles (suite mm/frame): the raw-handle round trip,
// from_in_use, and reference counting.
#define KBENCH_SUITE "mm.frame"
#include <cstdint>
#include <utility>

#include "kernel/kbench/kbench.h"
#include "mm/allocator/frame_allocator.h"
#include "mm/frame/frame.h"
#include "mm/frame/frame_dealloc.h"
#include "mm/frame/unique_frame.h"

namespace {

using mm::Paddr;

// into_raw -> from_raw on a frame the benchmark owns: the handle layer's checks of a raw
// address (its state, its type) alone.
KBENCH(into_raw_from_raw) {
  auto unique = mm::allocator::alloc_frame(mm::frame::UntypedMeta{}, {.zeroed = false});
  if (!unique) return state.error("out of memory");
  mm::frame::UniqueFrame<mm::frame::UntypedMeta> frame = std::move(*unique);
  for (auto _ : state) {
    const Paddr raw = std::move(frame).into_raw();
    frame = mm::frame::UniqueFrame<mm::frame::UntypedMeta>::from_raw(raw);
  }
}

// from_in_use on a shared frame and the drop of the reference it takes.
KBENCH(from_in_use_drop) {
  auto unique = mm::allocator::alloc_frame(mm::frame::UntypedMeta{}, {.zeroed = false});
  if (!unique) return state.error("out of memory");
  const mm::frame::Frame<mm::frame::UntypedMeta> frame = std::move(*unique);
  for (auto _ : state) {
    auto again = mm::frame::Frame<mm::frame::UntypedMeta>::from_in_use(frame.paddr());
    if (!again) [[unlikely]] return state.error("from_in_use failed");
    kernel::kbench::do_not_optimize(*again);
  }
}

// Shared-handle copy and drop: one relaxed increment, one release decrement.
KBENCH(frame_clone_drop) {
  auto unique = mm::allocator::alloc_frame(mm::frame::UntypedMeta{}, {.zeroed = false});
  if (!unique) return state.error("out of memory");
  const mm::frame::Frame<mm::frame::UntypedMeta> frame = std::move(*unique);
  for (auto _ : state) {
    mm::frame::Frame<mm::frame::UntypedMeta> copy = frame;
    kernel::kbench::do_not_optimize(copy);
  }
}

// The same through the type-erased handle (the drop goes through the vtable when last).
KBENCH(any_frame_clone_drop) {
  auto unique = mm::allocator::alloc_frame(mm::frame::UntypedMeta{}, {.zeroed = false});
  if (!unique) return state.error("out of memory");
  const mm::frame::AnyFrame frame = mm::frame::Frame<mm::frame::UntypedMeta>(std::move(*unique));
  for (auto _ : state) {
    mm::frame::AnyFrame copy = frame;
    kernel::kbench::do_not_optimize(copy);
  }
}

}  // namespace
