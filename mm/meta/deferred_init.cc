#include "mm/meta/deferred_init.h"

#include "mm/allocator/frame_allocator.h"
#include "mm/hal.h"
#include "mm/meta/meta_region.h"
#include "mm/meta/meta_units.h"

namespace mm {

DeferredInitProgress run_pending_meta_units(std::uint64_t max_units) {
  DeferredInitProgress progress;
  while (progress.units < max_units) {
    const auto unit = take_pending_meta_unit();
    if (!unit) break;
    init_meta_unit_slots(*unit);
    publish_meta_unit(*unit);
    const MetaUnitSpan span = meta_unit_span(*unit);
    progress.frames_added += add_frames_to_allocator(span.first, span.end);
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

}  // namespace mm
