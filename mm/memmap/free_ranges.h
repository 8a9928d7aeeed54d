// Walks over what is left when reservations are taken out of ranges: the frames an
// allocator may be seeded with. Header-only templates (no <functional> in mm/).
#pragma once

#include <span>

#include "mm/memmap/memory_map.h"
#include "mm/memmap/reservation.h"
#include "mm/types.h"

namespace mm::memmap {

// Calls fn(PhysRange) for each maximal part of `range` that no reservation covers, in
// address order. Reservations may be unsorted and overlapping. O(r) per part, r ≤ 128.
template <typename Fn>
void for_each_unreserved(PhysRange range, std::span<const Reservation> reserved, Fn&& fn) {
  Paddr pos = range.start;
  while (pos < range.end) {
    const Reservation* first = nullptr;  // the overlapping reservation that starts first
    for (const Reservation& r : reserved) {
      if (r.range.end > pos && r.range.start < range.end &&
          (first == nullptr || r.range.start < first->range.start)) {
        first = &r;
      }
    }
    if (first == nullptr) {
      fn(PhysRange{pos, range.end});
      return;
    }
    if (first->range.start > pos) fn(PhysRange{pos, first->range.start});
    pos = first->range.end;  // > pos by the filter above, so the walk advances
  }
}

// Calls fn(PhysRange) for every free range: usable per `map`, not reserved.
template <typename Fn>
void for_each_free_range(const MemoryMap& map, std::span<const Reservation> reserved, Fn&& fn) {
  for (const MemoryRegion& region : map.regions()) {
    if (region.type == RegionType::Usable) for_each_unreserved(region.range, reserved, fn);
  }
}

}  // namespace mm::memmap
