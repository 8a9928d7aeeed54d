// The global frame allocator: a buddy allocator (orders 0..MAX_ORDER) with per-CPU caches
// of small blocks in front, handing out frames as handles.
//
//   TRY(mm::allocator::init_frame_allocator(usable_ranges));                 // once, at boot
//   auto page = TRY(mm::allocator::alloc_frame(mm::frame::UntypedMeta{}));          // UniqueFrame, zeroed
//   auto pt = TRY(mm::allocator::alloc_frame(PtMeta{}, {.zeroed = false}));
//   auto huge = TRY(mm::allocator::alloc_frame(mm::frame::UntypedMeta{}, {.zeroed = false, .level = 2}));  // 2 MiB
//   auto dma = TRY(mm::allocator::alloc_segment<DmaMeta>(16, [](Paddr) { return DmaMeta{}; }));
//
// A frame of any level is one block and one handle: O(1) to allocate and to free. Frames
// return when their handles go (mm/frame/frame_dealloc.h). Out of memory is an AllocError
// value. A constinit singleton: no global constructor; init_frame_allocator may be called
// again (host tests re-init it over fresh simulated memory; nothing may be allocated from
// the previous instance then).
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <span>
#include <type_traits>
#include <utility>

#include "mm/allocator/alloc_error.h"
#include "mm/allocator/free_list.h"
#include "mm/allocator/order.h"
#include "mm/allocator/per_cpu_cache.h"
#include "mm/frame/frame.h"
#include "mm/frame/frame_meta.h"
#include "mm/frame/get_frame_error.h"
#include "mm/frame/handle_access.h"
#include "mm/frame/segment.h"
#include "mm/frame/unique_frame.h"
#include "lib/contract/contract.h"
#include "lib/fmt/format.h"
#include "lib/expected/try.h"
#include "mm/types.h"

namespace mm::allocator {

struct FrameAllocOptions {
  bool zeroed = true;      // zero the frames' bytes (like Asterinas OSTD's default)
  bool contiguous = true;  // alloc_frames: one physically contiguous run, or any frames
  PagingLevel level = 1;   // alloc_frame: 1 (4 KiB), 2 (2 MiB) or 3 (1 GiB)
};

struct AllocatorInitSummary {
  std::uint64_t usable_frames = 0;  // frames in the (clipped, merged) usable ranges
  std::uint64_t free_frames = 0;    // of those, frames now free in the allocator
  std::uint64_t ranges = 0;         // usable ranges after merging
};

enum class AllocInitError : std::uint8_t {
  TooManyRanges,  // more than MAX_USABLE_RANGES disjoint ranges
};
constexpr const char* error_name(AllocInitError e) {
  switch (e) {
    case AllocInitError::TooManyRanges:
      return "TooManyRanges (more usable ranges than the allocator's table holds)";
  }
  return "AllocInitError(?)";
}

// Resets the allocator and takes every UNUSED frame inside `usable`, clipped to the
// metadata region [0, meta_geometry().covered_end). Frames in use (boot allocations) are skipped.
// Requires: interrupts may be on; no other CPU uses the allocator meanwhile.
[[nodiscard]] std::expected<AllocatorInitSummary, AllocInitError> init_frame_allocator(
    std::span<const PhysRange> usable);

// Gives the current CPU's cached blocks back to the global lists (they coalesce there).
void drain_cpu_cache();
// The same on every online CPU (the others through hal::run_on_other_cpus, so with more
// than one CPU online it requires interrupts enabled): afterwards no frame is cached,
// unless another CPU frees one meanwhile. For totals and checks that must see every frame.
void drain_every_cpu_cache();

// Adds RAM to the live allocator: frames [first, first + n), inside one usable range, all
// TAILs that the caller owns and whose slots it has written and published (deferred
// metadata init, mm/meta/deferred_init.h), in one max-order block-aligned unit that no
// block outside it can merge with. Safe while other CPUs allocate and free; the slots are
// not read, only the block heads written.
void add_free_run_to_allocator(std::uint64_t first, std::uint64_t n);

namespace detail {

// take_block when this CPU's cache cannot serve the request: refills from (or goes to)
// the buddy lists, then drains this CPU's cache to coalesce, then (interrupts enabled and
// more than one CPU) has every other CPU drain its cache through hal::run_on_other_cpus,
// before giving up. Called with interrupts disabled it cannot cross-call: it reports out
// of memory after draining only this CPU's cache.
std::optional<std::uint64_t> take_block_slow(unsigned order);

// The head index of a block of 2^order frames that the caller now owns (head FREE, other
// frames TAILs: nobody else can claim or free them); nullopt if none is free, after the
// caches have been drained to coalesce (take_block_slow says which). Orders ≤ CACHED_MAX_ORDER come from the cache:
// inline, and without a locked instruction.
[[gnu::always_inline]] inline std::optional<std::uint64_t> take_block(unsigned order) {
  if (order <= CACHED_MAX_ORDER) [[likely]] {
    const CacheSection section;
    if (auto head = cpu_cache(hal::current_cpu()).try_pop(order)) [[likely]] return head;
  }
  return take_block_slow(order);
}

// A run of `nframes` frames starting at a multiple of `align_frames` (a power of two),
// owned by the caller like a block (first frame FREE, the others TAILs); the rest of the
// block it was cut from is given back.
[[nodiscard]] std::expected<std::uint64_t, AllocError> take_run(std::uint64_t nframes, std::uint64_t align_frames);

AllocError out_of_memory(std::uint64_t nframes, std::uint64_t align_frames);

void zero_frames(std::uint64_t first, std::uint64_t nframes);

// The raw path, for the allocator's own tests and benchmarks: `nframes` UNUSED frames
// (claimable by from_unused, as Asterinas OSTD's allocator hands them out), zeroed if
// asked; give them back with return_frames_to_allocator.
[[nodiscard]] std::expected<Paddr, AllocError> take_frames(std::uint64_t nframes, std::uint64_t align_frames,
                                             bool zeroed);

// The allocator's side of HandleAccess: wraps frames it has just claimed for the caller.
struct Handout {
  template <typename Handle, typename... Args>
  static Handle adopt(Args&&... args) {
    return frame::HandleAccess::adopt<Handle>(std::forward<Args>(args)...);
  }
};

}  // namespace detail

// Takes back [pa, pa + nframes * PAGE_SIZE) of UNUSED frames (handed out by take_frames).
// A frame in any other state (free: a double free; live; a tail) is a contract panic that
// names the frame and its state; nothing is taken back then.
void return_frames_to_allocator(Paddr pa, std::uint64_t nframes);

// One frame of options.level (4 KiB, 2 MiB or 1 GiB), uniquely owned, with `meta` as its
// metadata. Requires: 1 ≤ options.level ≤ MAX_FRAME_LEVEL. O(1) for every level (plus the
// zeroing, if asked).
template <frame::AnyFrameMeta M>
[[nodiscard, gnu::always_inline]] inline std::expected<frame::UniqueFrame<M>, AllocError> alloc_frame(
    M meta, FrameAllocOptions options = {}) {
  KREQUIRES(frame::slot::is_frame_level(options.level));
  const unsigned order = frame::slot::level_order(options.level);
  const auto head = detail::take_block(order);
  if (!head) [[unlikely]] return std::unexpected(detail::out_of_memory(order_frames(order), order_frames(order)));
  if (options.zeroed) detail::zero_frames(*head, order_frames(order));
  meta::MetaSlot& slot = slot_at(*head);
  frame::slot::claim_owned(slot, std::move(meta), order, /*as_unique=*/true);
  return detail::Handout::adopt<frame::UniqueFrame<M>>(&slot);
}

// `nframes` (≥ 1) contiguous 4 KiB frames starting at a multiple of `align_frames` (a power
// of two) frames, frame i's metadata metadata_fn(paddr of i).
template <frame::AnyFrameMeta M, typename MetaFn>
  requires std::is_invocable_r_v<M, MetaFn&, Paddr>
[[nodiscard]] std::expected<frame::Segment<M>, AllocError> alloc_segment(std::uint64_t nframes, MetaFn&& metadata_fn,
                                                    std::uint64_t align_frames = 1,
                                                    FrameAllocOptions options = {}) {
  const std::uint64_t first = TRY(detail::take_run(nframes, align_frames));
  if (options.zeroed) detail::zero_frames(first, nframes);
  for (std::uint64_t i = first; i < first + nframes; ++i) {
    frame::slot::claim_owned(slot_at(i), M(metadata_fn(i * PAGE_SIZE)), 0, /*as_unique=*/false);
  }
  return detail::Handout::adopt<frame::Segment<M>>(
      PhysRange{first * PAGE_SIZE, (first + nframes) * PAGE_SIZE});
}

// A block of 2^order 4 KiB frames aligned to its size.
template <frame::AnyFrameMeta M, typename MetaFn>
  requires std::is_invocable_r_v<M, MetaFn&, Paddr>
[[nodiscard]] std::expected<frame::Segment<M>, AllocError> alloc_block(unsigned order, MetaFn&& metadata_fn,
                                                  FrameAllocOptions options = {}) {
  KREQUIRES(order <= MAX_ORDER);
  return alloc_segment<M>(order_frames(order), metadata_fn, order_frames(order), options);
}

// Fills every element of `out` with a shared 4 KiB frame: one contiguous run if
// options.contiguous, otherwise any frames. All or nothing: on error `out` is left empty.
template <frame::AnyFrameMeta M, typename MetaFn>
  requires std::is_invocable_r_v<M, MetaFn&, Paddr>
[[nodiscard]] std::expected<void, AllocError> alloc_frames(std::span<std::optional<frame::Frame<M>>> out,
                                             MetaFn&& metadata_fn,
                                             FrameAllocOptions options = {}) {
  if (out.empty()) return {};
  if (options.contiguous) {
    frame::Segment<M> run = TRY(alloc_segment<M>(out.size(), metadata_fn, 1, options));
    for (std::size_t i = 0; i < out.size(); ++i) out[i].emplace(run.frame(i).clone());
    return {};  // `run` drops its references; the frames keep out[]'s
  }
  for (std::size_t i = 0; i < out.size(); ++i) {
    const auto head = detail::take_block(0);
    if (!head) {
      for (std::size_t j = 0; j < i; ++j) out[j].reset();
      return std::unexpected(detail::out_of_memory(out.size() - i, 1));
    }
    if (options.zeroed) detail::zero_frames(*head, 1);
    meta::MetaSlot& slot = slot_at(*head);
    frame::slot::claim_owned(slot, M(metadata_fn(*head * PAGE_SIZE)), 0, /*as_unique=*/false);
    out[i].emplace(detail::Handout::adopt<frame::Frame<M>>(&slot));
  }
  return {};
}

}  // namespace mm::allocator
