// The extent of the frame metadata region: which frames have a MetaSlot one may touch.
//
// Set once by the boot code after the metadata-region init (mm/meta), before any frame
// handle exists; host tests set them next to their SimMemory:
//   g_max_paddr       frames [0, g_max_paddr) have slots (mm/meta: slot_count × PAGE_SIZE)
//   g_slot_is_backed  optional: for a sparsely backed region, whether a slot below
//                     g_max_paddr is actually mapped (mm/meta's slot_is_backed); null
//                     means every slot below g_max_paddr is.
//   g_slot_is_initialised  optional: whether a backed slot has been written yet (mm/meta's
//                     slot_is_initialised: deferred init leaves most of the region to be
//                     written after boot, one unit at a time); null means every backed
//                     slot is.
// Frame handles refuse addresses without a slot (GetFrameError::OutOfBound).
#pragma once

#include <cstdint>

#include "mm/types.h"

namespace mm {

inline constinit Paddr g_max_paddr = 0;
inline constinit bool (*g_slot_is_backed)(Paddr) = nullptr;
inline constinit bool (*g_slot_is_initialised)(Paddr) = nullptr;

inline std::uint64_t meta_slot_count() { return g_max_paddr / PAGE_SIZE; }

// Whether the (page-aligned) frame `pa` has a readable slot.
inline bool has_slot(Paddr pa) {
  return pa < g_max_paddr && (g_slot_is_backed == nullptr || g_slot_is_backed(pa));
}

// Whether the slot of `pa` (which has_slot) holds metadata rather than bytes not yet written.
inline bool slot_is_written(Paddr pa) {
  return g_slot_is_initialised == nullptr || g_slot_is_initialised(pa);
}

}  // namespace mm
