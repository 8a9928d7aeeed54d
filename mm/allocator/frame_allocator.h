// The global frame allocator: a buddy allocator (orders 0..MAX_ORDER) with per-CPU caches
// of small blocks in front, handing out frames as handles.
//
//   TRY(mm::init_frame_allocator(usable_ranges));                 // once, at boot
//   auto page = TRY(mm::alloc_frame(mm::UntypedMeta{}));          // UniqueFrame, zeroed
//   auto pt = TRY(mm::alloc_frame(PtMeta{}, {.zeroed = false}));
//   auto dma = TRY(mm::alloc_segment<DmaMeta>(16, [](Paddr) { return DmaMeta{}; }));
//
// Frames return when their handles go (return_frames_to_allocator). Out of memory is an
// AllocError value. A constinit singleton: no global constructor; init_frame_allocator may
// be called again (host tests re-init it over fresh simulated memory; nothing may be
// allocated from the previous instance then).
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <span>
#include <type_traits>
#include <utility>

#include "mm/allocator/alloc_error.h"
#include "mm/allocator/order.h"
#include "mm/frame/frame.h"
#include "mm/frame/frame_meta.h"
#include "mm/frame/get_frame_error.h"
#include "mm/frame/segment.h"
#include "mm/frame/unique_frame.h"
#include "mm/support/contract.h"
#include "mm/support/format.h"
#include "mm/support/try.h"
#include "mm/types.h"

namespace mm {

struct FrameAllocOptions {
  bool zeroed = true;      // zero the frames' bytes (like the anchor's default)
  bool contiguous = true;  // alloc_frames: one physically contiguous run, or any frames
};

struct AllocatorInitSummary {
  std::uint64_t usable_frames = 0;  // frames in the (clipped, merged) usable ranges
  std::uint64_t free_frames = 0;    // of those, UNUSED frames now on the free lists
  std::uint64_t ranges = 0;         // usable ranges after merging
};

enum class AllocInitError : std::uint8_t {
  TooManyRanges,  // more than MAX_USABLE_RANGES disjoint ranges
};

// Resets the allocator and takes every UNUSED frame (in_list 0) inside `usable`, clipped to
// the metadata region [0, g_max_paddr). Frames in use (boot allocations) are skipped.
// Requires: interrupts may be on; no other CPU uses the allocator meanwhile.
std::expected<AllocatorInitSummary, AllocInitError> init_frame_allocator(
    std::span<const PhysRange> usable);

// Gives the current CPU's cached blocks back to the global lists (they coalesce there).
void drain_cpu_cache();

namespace allocator_detail {

// A run of `nframes` UNUSED frames aligned to `align_frames` (a power of two), now owned
// by the caller and on no list; zeroed if asked. Order ≤ 3 power-of-two runs come from the
// per-CPU cache.
std::expected<Paddr, AllocError> take_frames(std::uint64_t nframes, std::uint64_t align_frames,
                                             bool zeroed);

// A frame the allocator just handed out could not be claimed: someone used from_unused on a
// frame they did not own. A kernel bug: panics with the address.
[[noreturn]] void report_claim_failure(Paddr pa, GetFrameError error);

}  // namespace allocator_detail

// One frame, uniquely owned, with `meta` as its metadata.
template <AnyFrameMeta M>
std::expected<UniqueFrame<M>, AllocError> alloc_frame(M meta, FrameAllocOptions options = {}) {
  const Paddr pa = TRY(allocator_detail::take_frames(1, 1, options.zeroed));
  auto frame = UniqueFrame<M>::from_unused(pa, std::move(meta));
  if (!frame) [[unlikely]] allocator_detail::report_claim_failure(pa, frame.error());
  return std::move(*frame);
}

// `nframes` (≥ 1) contiguous frames starting at a multiple of `align_frames` (a power of
// two) frames, frame i's metadata metadata_fn(paddr of i).
template <AnyFrameMeta M, typename MetaFn>
  requires std::is_invocable_r_v<M, MetaFn&, Paddr>
std::expected<Segment<M>, AllocError> alloc_segment(std::uint64_t nframes, MetaFn&& metadata_fn,
                                                    std::uint64_t align_frames = 1,
                                                    FrameAllocOptions options = {}) {
  const Paddr pa = TRY(allocator_detail::take_frames(nframes, align_frames, options.zeroed));
  auto segment =
      Segment<M>::from_unused(PhysRange{pa, pa + nframes * PAGE_SIZE}, metadata_fn);
  if (!segment) [[unlikely]] allocator_detail::report_claim_failure(pa, segment.error());
  return std::move(*segment);
}

// A block of 2^order frames aligned to its size.
template <AnyFrameMeta M, typename MetaFn>
  requires std::is_invocable_r_v<M, MetaFn&, Paddr>
std::expected<Segment<M>, AllocError> alloc_block(unsigned order, MetaFn&& metadata_fn,
                                                  FrameAllocOptions options = {}) {
  KREQUIRES(order <= MAX_ORDER);
  return alloc_segment<M>(order_frames(order), metadata_fn, order_frames(order), options);
}

// Fills every element of `out` with a shared frame: one contiguous run if
// options.contiguous, otherwise any frames. All or nothing: on error `out` is left empty.
template <AnyFrameMeta M, typename MetaFn>
  requires std::is_invocable_r_v<M, MetaFn&, Paddr>
std::expected<void, AllocError> alloc_frames(std::span<std::optional<Frame<M>>> out,
                                             MetaFn&& metadata_fn,
                                             FrameAllocOptions options = {}) {
  if (out.empty()) return {};
  if (options.contiguous) {
    Segment<M> run = TRY(alloc_segment<M>(out.size(), metadata_fn, 1, options));
    for (std::size_t i = 0; i < out.size(); ++i) out[i].emplace(run.frame(i).clone());
    return {};  // `run` drops its references; the frames keep out[]'s
  }
  for (std::size_t i = 0; i < out.size(); ++i) {
    const auto pa = allocator_detail::take_frames(1, 1, options.zeroed);
    if (!pa) {
      for (std::size_t j = 0; j < i; ++j) out[j].reset();
      return std::unexpected(pa.error());
    }
    auto frame = Frame<M>::from_unused(*pa, M(metadata_fn(*pa)));
    if (!frame) [[unlikely]] allocator_detail::report_claim_failure(*pa, frame.error());
    out[i].emplace(std::move(*frame));
  }
  return {};
}

}  // namespace mm
