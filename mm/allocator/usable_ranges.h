// UsableRanges: the RAM the allocator manages, as sorted, disjoint frame-index ranges.
// Set at init, read-only afterwards (no lock). Used to reject freeing reserved frames.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "mm/types.h"

namespace mm::allocator {

// As many as a sanitized memory map can hold (MAX_MAP_REGIONS; kernel/mm_init asserts it),
// so the usable ranges of every map the sanitizer accepts fit.
inline constexpr std::size_t MAX_USABLE_RANGES = 1024;

// Frames [first, end) by index.
struct FrameSpan {
  std::uint64_t first = 0;
  std::uint64_t end = 0;
  constexpr std::uint64_t count() const { return end - first; }
};

class UsableRanges {
 public:
  constexpr UsableRanges() = default;

  // Page-aligns each range inward, clips it to [0, limit), sorts and merges.
  // Returns false (and keeps nothing) if more than MAX_USABLE_RANGES remain.
  bool assign(std::span<const PhysRange> ranges, Paddr limit);

  // Whether frames [first, first + n) all lie inside one usable range.
  bool contains(std::uint64_t first, std::uint64_t n) const;

  std::span<const FrameSpan> spans() const { return {spans_.data(), count_}; }
  std::uint64_t total_frames() const { return total_frames_; }

 private:
  std::array<FrameSpan, MAX_USABLE_RANGES> spans_{};
  std::size_t count_ = 0;
  std::uint64_t total_frames_ = 0;
};

}  // namespace mm::allocator
