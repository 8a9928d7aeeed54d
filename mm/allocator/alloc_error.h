// AllocError: an allocation the allocator could not satisfy — what was asked, what is free.
// Out of memory is an ordinary result, never a panic inside the allocator.
#pragma once

#include <cstdint>

#include "lib/fmt/format.h"
#include "mm/types.h"

namespace mm::allocator {

struct AllocError {
  std::uint64_t requested_frames = 0;
  std::uint64_t align_frames = 1;
  std::uint64_t free_frames = 0;           // in the lists and the per-CPU caches
  std::uint64_t largest_free_frames = 0;   // the largest free block in the lists
};

inline void format_value(keel::fmt::Sink& sink, const keel::fmt::Spec&, const AllocError& e) {
  keel::fmt::print(sink,
             "out of memory: asked for {} frame(s) ({}) aligned to {} frame(s); free: {} "
             "frame(s) ({}), largest free block {} frame(s)",
             e.requested_frames, keel::fmt::HumanBytes{e.requested_frames * PAGE_SIZE}, e.align_frames,
             e.free_frames, keel::fmt::HumanBytes{e.free_frames * PAGE_SIZE}, e.largest_free_frames);
}

}  // namespace mm::allocator
