#include "mm/memmap/reservation.h"

namespace mm::memmap {

const char* error_name(ReservationError error) {
  switch (error) {
    case ReservationError::Full: return "Full";
    case ReservationError::Wraps: return "Wraps";
  }
  return "invalid";
}

[[nodiscard]] std::expected<void, ReservationError> ReservationList::add(Paddr start, std::uint64_t size,
                                                           FrameUsage usage) {
  if (size == 0) return {};
  std::uint64_t end = 0;
  if (__builtin_add_overflow(start, size, &end)) return std::unexpected(ReservationError::Wraps);
  if (start >= MAX_PADDR) return {};
  if (end > MAX_PADDR) end = MAX_PADDR;
  const PhysRange range{align_down(start, PAGE_SIZE), align_up(end, PAGE_SIZE)};
  if (!list_.empty()) {
    Reservation& last = list_.back();
    if (last.usage == usage && last.range.end == range.start) {
      last.range.end = range.end;
      return {};
    }
  }
  if (!list_.push_back(Reservation{range, usage})) return std::unexpected(ReservationError::Full);
  return {};
}

bool ReservationList::overlaps(PhysRange range) const {
  for (const Reservation& r : list_) {
    if (r.range.start < range.end && range.start < r.range.end) return true;
  }
  return false;
}

[[nodiscard]] std::expected<void, ReservationError> reserve_low_memory(ReservationList& list) {
  return list.add(0, LOW_MEMORY_END, FrameUsage::LowMemory);
}

}  // namespace mm::memmap
