#include "mm/memmap/early_frame_allocator.h"

#include <algorithm>
#include <bit>

namespace mm::memmap {

const char* error_name(EarlyAllocError error) {
  switch (error) {
    case EarlyAllocError::OutOfMemory: return "OutOfMemory";
    case EarlyAllocError::ReservationsFull: return "ReservationsFull";
    case EarlyAllocError::BadRequest: return "BadRequest";
  }
  return "invalid";
}

std::optional<Paddr> EarlyFrameAllocator::find_in(PhysRange usable, Paddr from, std::uint64_t size,
                                   std::uint64_t align) const {
  Paddr candidate = std::max(usable.start, from);
  for (;;) {
    if (!checked_align_up(candidate, align, candidate)) return std::nullopt;
    if (candidate >= usable.end || usable.end - candidate < size) return std::nullopt;
    const PhysRange run{candidate, candidate + size};
    // Skip past the furthest-reaching reservation overlapping the run, then retry.
    Paddr blocked_until = 0;
    for (const Reservation& r : reservations_.list()) {
      if (r.range.start < run.end && run.start < r.range.end) {
        blocked_until = std::max(blocked_until, r.range.end);
      }
    }
    if (blocked_until == 0) return candidate;
    candidate = blocked_until;
  }
}

[[nodiscard]] std::expected<Paddr, EarlyAllocError> EarlyFrameAllocator::allocate(std::uint64_t frames,
                                                                    FrameUsage purpose,
                                                                    std::uint64_t align) {
  const bool purpose_ok = purpose == FrameUsage::EarlyPageTable ||
                          purpose == FrameUsage::MetaRegion || purpose == FrameUsage::EarlyAlloc;
  if (frames == 0 || frames > MAX_NR_PAGES || align < PAGE_SIZE || !std::has_single_bit(align) ||
      !purpose_ok) {
    return std::unexpected(EarlyAllocError::BadRequest);
  }
  const std::uint64_t size = frames * PAGE_SIZE;
  const auto regions = map_.regions();
  for (std::size_t i = map_.first_region_ending_after(cursor_); i < regions.size(); ++i) {
    if (regions[i].type != RegionType::Usable) continue;
    const PhysRange usable{std::max(regions[i].range.start, window_.start),
                           std::min(regions[i].range.end, window_.end)};
    if (usable.empty()) continue;
    const std::optional<Paddr> found = find_in(usable, cursor_, size, align);
    if (!found) continue;
    if (!reservations_.add(*found, size, purpose)) {
      return std::unexpected(EarlyAllocError::ReservationsFull);
    }
    cursor_ = *found + size;
    frames_allocated_ += frames;
    return *found;
  }
  return std::unexpected(EarlyAllocError::OutOfMemory);
}

}  // namespace mm::memmap
