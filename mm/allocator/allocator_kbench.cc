// Benchmarks of the buddy allocator (suite mm/allocator): a block per order through the
// handle API and through the raw allocator entry points, segments of N frames, batches that
// make the per-CPU cache refill and drain, and a re-initialization of the allocator over
// all usable RAM (cycles per GiB). The calls users make also run on every online CPU at
// once (".../cpus:all"): the per-CPU caches and the shared buddy lock under load.
#define KBENCH_SUITE "mm.allocator"
#include <array>
#include <cstdint>
#include <optional>
#include <utility>

#include "kernel/kbench/kbench.h"
#include "mm/allocator/frame_allocator.h"
#include "mm/allocator/invariants.h"
#include "mm/allocator/stats.h"
#include "mm/frame/frame_dealloc.h"
#include "mm/memmap/memory_map.h"
#include "mm/meta/meta_region.h"

namespace {

using mm::Paddr;

mm::frame::UntypedMeta untyped(Paddr) { return {}; }

// Skips (and returns false) when no free block of `order` exists.
bool have_order(kernel::kbench::State& state, unsigned order) {
  mm::allocator::drain_cpu_cache();
  if (mm::allocator::allocator_stats().largest_free_order < static_cast<int>(order)) {
    state.skip("not enough memory");
    return false;
  }
  return true;
}

// alloc_frame + drop of a 4 KiB, 2 MiB and 1 GiB frame (levels 1, 2, 3): the call users
// make for one frame (order 0 is this CPU's cache, no shared lock). Not zeroed.
KBENCH_ARGS(alloc_frame_level, {1, 2, 3}) {
  const auto level = static_cast<mm::PagingLevel>(state.range(0));
  if (!have_order(state, level == 1 ? 0 : level == 2 ? 9 : 18)) return;
  for (auto _ : state) {
    auto frame =
        mm::allocator::alloc_frame(mm::frame::UntypedMeta{}, {.zeroed = false, .level = level});
    if (!frame) [[unlikely]] return state.error("out of memory");
    kernel::kbench::do_not_optimize(frame);
  }
  state.set_items_processed(state.iterations());
}
// Order 0 is served by each CPU's own cache; 2 MiB frames come from the shared buddy lists.
KBENCH_ARGS_EVERY_CPU(alloc_frame_level, {1, 2});

// alloc_block + drop (a Segment of 2^order frames): the allocator plus claiming and
// releasing every frame's slot. Not zeroed: this measures the allocator, not memset.
KBENCH_ARGS(alloc_free_order, {0, 1, 3, 9, 18}) {
  const auto order = static_cast<unsigned>(state.range(0));
  if (!have_order(state, order)) return;
  for (auto _ : state) {
    auto block =
        mm::allocator::alloc_block<mm::frame::UntypedMeta>(order, untyped, {.zeroed = false});
    if (!block) [[unlikely]] return state.error("out of memory");
    kernel::kbench::do_not_optimize(block);
  }
  state.set_items_processed(state.iterations());
  state.counters["frames"] = mm::allocator::order_frames(order);
}
KBENCH_ARGS_EVERY_CPU(alloc_free_order, {0, 3, 9});

// Order-0 alloc_frame of CACHE_CAPACITY + CACHE_BATCH frames, then their drops: more than
// a cache holds either way, so from the second iteration on each one refills the cache
// from the buddy lists once (CACHE_BATCH blocks under the lock) and drains it once. The
// figure is per iteration (items: frames).
KBENCH(refill_drain_batch) {
  constexpr std::size_t FRAMES = mm::allocator::CACHE_CAPACITY + mm::allocator::CACHE_BATCH;
  if (!have_order(state, 0)) return;
  std::array<std::optional<mm::frame::UniqueFrame<mm::frame::UntypedMeta>>, FRAMES> frames;
  for (auto _ : state) {
    for (auto& slot : frames) {
      auto frame = mm::allocator::alloc_frame(mm::frame::UntypedMeta{}, {.zeroed = false});
      if (!frame) [[unlikely]] return state.error("out of memory");
      slot.emplace(std::move(*frame));
    }
    for (auto& slot : frames) slot.reset();
  }
  state.set_items_processed(state.iterations() * FRAMES);
  state.counters["frames"] = FRAMES;
}
KBENCH_EVERY_CPU(refill_drain_batch);

// The allocator alone: take a block of frame indices, give it back (no handles).
KBENCH_ARGS(raw_take_return_order, {0, 1, 3, 9, 18}) {
  const auto order = static_cast<unsigned>(state.range(0));
  if (!have_order(state, order)) return;
  const std::uint64_t n = mm::allocator::order_frames(order);
  for (auto _ : state) {
    const auto pa = mm::allocator::detail::take_frames(n, n, /*zeroed=*/false);
    if (!pa) [[unlikely]] return state.error("out of memory");
    mm::allocator::return_frames_to_allocator(*pa, n);
  }
  state.set_items_processed(state.iterations());
  state.counters["frames"] = n;
}

KBENCH_ARGS(alloc_segment, {1, 8, 64, 512}) {
  const auto frames = static_cast<std::uint64_t>(state.range(0));
  for (auto _ : state) {
    auto seg =
        mm::allocator::alloc_segment<mm::frame::UntypedMeta>(frames, untyped, 1, {.zeroed = false});
    if (!seg) [[unlikely]] return state.error("out of memory");
    kernel::kbench::do_not_optimize(seg);
  }
  state.set_items_processed(state.iterations() * frames);
}

// Takes every free frame out of the allocator raw (UNUSED, on no list, largest blocks
// first): the state in which init_frame_allocator may safely adopt them all again.
std::uint64_t take_everything() {
  std::uint64_t taken = 0;
  for (int order = mm::allocator::MAX_ORDER; order >= 0; --order) {
    const std::uint64_t n = mm::allocator::order_frames(static_cast<unsigned>(order));
    while (auto pa = mm::allocator::detail::take_frames(n, n, /*zeroed=*/false)) taken += n;
  }
  return taken;
}

// Re-initializes the allocator over the same usable ranges as boot. Safe because every
// free frame is first taken out (so no stale list or cache marks remain) and frames held
// elsewhere are in use, which init skips; nothing else allocates while a benchmark runs.
KBENCH(reinit_per_gib) {
  static constinit std::array<mm::PhysRange, mm::memmap::MAX_MAP_REGIONS> usable{};
  std::size_t count = 0;
  for (const mm::memmap::MemoryRegion& region : mm::meta::memory_map().regions()) {
    if (region.type == mm::memmap::RegionType::Usable) usable[count++] = region.range;
  }
  const std::span<const mm::PhysRange> ranges(usable.data(), count);
  const std::uint64_t free_before =
      (mm::allocator::drain_cpu_cache(), mm::allocator::allocator_stats().total_free_frames);
  std::uint64_t usable_frames = 0;
  while (state.keep_running()) {
    state.pause_timing();
    const std::uint64_t taken = take_everything();
    state.resume_timing();
    const auto summary = mm::allocator::init_frame_allocator(ranges);
    state.pause_timing();
    if (!summary || summary->free_frames != taken || taken != free_before) {
      return state.error("re-init did not adopt exactly the free frames");
    }
    usable_frames = summary->usable_frames;
    state.resume_timing();
  }
  if (!mm::allocator::check_allocator_invariants())
    return state.error("allocator invariants violated");
  const std::uint64_t usable_mib = usable_frames * mm::PAGE_SIZE >> 20;
  state.set_items_processed(state.iterations() * usable_mib);  // items/s = MiB/s
  state.counters["usable_MiB"] = usable_mib;
  if (usable_mib != 0 && state.iterations() != 0) {
    state.set_figure("cycles_per_GiB");
    state.counters["cycles_per_GiB"] =
        state.timed_cycles() / state.iterations() * 1024 / usable_mib;
  }
}

}  // namespace
