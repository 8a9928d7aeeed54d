#include "mm/allocator/usable_ranges.h"

#include <algorithm>

namespace mm::allocator {

bool UsableRanges::assign(std::span<const PhysRange> ranges, Paddr limit) {
  // Built in place (a second table of MAX_USABLE_RANGES would not fit a kernel stack).
  auto& sorted = spans_;
  std::size_t n = 0;
  count_ = 0;
  total_frames_ = 0;
  for (const PhysRange& r : ranges) {
    std::uint64_t start = 0;
    if (!checked_align_up(r.start, PAGE_SIZE, start)) continue;
    const std::uint64_t end = align_down(std::min<std::uint64_t>(r.end, limit), PAGE_SIZE);
    if (start >= end) continue;
    const FrameSpan span{start / PAGE_SIZE, end / PAGE_SIZE};
    // Insert in order, merging with every neighbour it touches.
    std::size_t at = 0;
    while (at < n && sorted[at].end < span.first) ++at;
    std::size_t last = at;
    FrameSpan merged = span;
    while (last < n && sorted[last].first <= span.end) {
      merged.first = std::min(merged.first, sorted[last].first);
      merged.end = std::max(merged.end, sorted[last].end);
      ++last;
    }
    const std::size_t removed = last - at;
    if (removed == 0) {
      if (n == MAX_USABLE_RANGES) return false;  // count_ is 0: nothing kept
      std::move_backward(sorted.begin() + at, sorted.begin() + n, sorted.begin() + n + 1);
      ++n;
    } else {
      std::move(sorted.begin() + last, sorted.begin() + n, sorted.begin() + at + 1);
      n -= removed - 1;
    }
    sorted[at] = merged;
  }
  count_ = n;
  total_frames_ = 0;
  for (std::size_t i = 0; i < n; ++i) total_frames_ += spans_[i].count();
  return true;
}

bool UsableRanges::contains(std::uint64_t first, std::uint64_t n) const {
  // The last span starting at or before `first`.
  const FrameSpan* begin = spans_.data();
  const FrameSpan* found = std::upper_bound(begin, begin + count_, first,
                                            [](std::uint64_t v, const FrameSpan& s) { return v < s.first; });
  if (found == begin) return false;
  const FrameSpan& span = *(found - 1);
  return first < span.end && n <= span.end - first;
}

}  // namespace mm::allocator
