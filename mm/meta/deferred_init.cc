#include "mm/meta/deferred_init.h"

#include <optional>
#include <span>

#include "mm/allocator/frame_allocator.h"
#include "mm/hal.h"
#include "mm/meta/meta_region.h"
#include "mm/meta/meta_units.h"

namespace mm::meta {
namespace {

// Calls fn(first, end) for each run of free frames in `window`: usable per the map and in
// no boot reservation, exactly the frames init_meta_unit_slots wrote as TAILs. Computed
// from the map and the (few) reservations rather than by reading the slots back, which
// would cost a second pass over the unit's 16 MiB of metadata per GiB.
template <typename Fn>
void for_each_free_run(PhysRange window, Fn&& fn) {
  const std::span<const memmap::Reservation> reservations = boot_reservations();
  memory_map().for_each_segment(window, [&](PhysRange piece, std::optional<memmap::RegionType> type) {
    if (type != memmap::RegionType::Usable) return;
    Paddr cursor = piece.start;
    while (cursor < piece.end) {
      Paddr run_end = piece.end;
      bool reserved = false;
      for (const memmap::Reservation& r : reservations) {
        if (r.range.start <= cursor && cursor < r.range.end) {
          cursor = r.range.end;  // reservations are whole frames (ReservationList::add)
          reserved = true;
          break;
        }
        if (r.range.start > cursor && r.range.start < run_end) run_end = r.range.start;
      }
      if (reserved) continue;
      fn(frame_to_index(cursor), frame_to_index(run_end));
      cursor = run_end;
    }
  });
}

}  // namespace

DeferredInitProgress run_pending_meta_units(std::uint64_t max_units) {
  DeferredInitProgress progress;
  while (progress.units < max_units) {
    const auto unit = take_pending_meta_unit();
    if (!unit) break;
    init_meta_unit_slots(*unit);
    publish_meta_unit(*unit);
    const MetaUnitSpan span = meta_unit_span(*unit);
    for_each_free_run({span.first * PAGE_SIZE, span.end * PAGE_SIZE},
                      [&](std::uint64_t first, std::uint64_t end) {
                        allocator::add_free_run_to_allocator(first, end - first);
                        progress.frames_added += end - first;
                      });
    ++progress.units;
    finish_meta_unit(*unit);
  }
  return progress;
}

DeferredInitProgress finish_pending_meta_units() {
  const DeferredInitProgress progress = run_pending_meta_units();
  while (meta_units_unfinished() != 0) hal::cpu_relax();
  return progress;
}

}  // namespace mm::meta
