// Where the frame metadata lives and which frames have a slot one may touch: the one
// description of the metadata region's shape that every slot lookup reads.
//
// Installed by install_meta_geometry, and only by it: init_meta_region installs the
// region it initializes (kernel boot; host tests over SimMemory do the same), and a host
// fixture without a metadata region (SimMemory's fully backed slot array) installs its own.
// Installed before any frame handle exists, single-threaded; read-only afterwards, so
// readers need no lock. The fast paths (frame_to_meta, has_slot) are a load or two of
// this one object: it stays a constinit global read through inline accessors.
#pragma once

#include <cstdint>
#include <limits>

#include "mm/layout.h"
#include "lib/contract/contract.h"
#include "mm/types.h"

namespace mm::meta {

struct MetaGeometry {
  // Virtual address of frame 0's slot; slot i is at slots_base + i × sizeof(MetaSlot).
  // Page aligned; 0 only while nothing is installed.
  std::uintptr_t slots_base = 0;
  // Frames [0, covered_end) have slots. Page aligned, at most MAX_PADDR.
  Paddr covered_end = 0;
  // For a sparsely backed region: whether the slot of a frame below covered_end is mapped
  // (mm/meta's slot_is_backed). Null: every slot below covered_end is.
  bool (*slot_is_backed)(Paddr) = nullptr;
  // Whether a backed slot has been written yet: deferred init writes most of the region
  // after boot, one unit at a time (mm/meta's slot_is_initialised). Null: every backed
  // slot is.
  bool (*slot_is_initialised)(Paddr) = nullptr;
};

// Slots are backed (mapped) in whole META_CHUNK_SIZE stretches of the slot array (one large
// page), counted from its base (mm/meta/meta_plan.h plans them): has_slot answers alike for
// every frame of an aligned run of BACKED_RUN_FRAMES frames below covered_end. A caller that
// has seen one frame's slot may read the slot of any frame of the same run without asking.
inline constexpr std::uint64_t META_CHUNK_SIZE = std::uint64_t{2} << 20;
inline constexpr std::uint64_t BACKED_RUN_FRAMES = META_CHUNK_SIZE / layout::META_SLOT_SIZE;

namespace meta_geometry_detail {
// Written only by install_meta_geometry / uninstall_meta_geometry.
inline constinit MetaGeometry g_installed;
}  // namespace meta_geometry_detail

// Makes `geometry` the one every lookup reads. A contract violation unless it is
// consistent: base set and page aligned, covered_end page aligned and at most MAX_PADDR,
// and the slot array [slots_base, slots_base + slot count × slot size) inside the address
// space. (Inline only so that header-only users link it without a library.)
inline void install_meta_geometry(const MetaGeometry& geometry) {
  KREQUIRES(geometry.slots_base != 0 && is_page_aligned(geometry.slots_base));
  KREQUIRES(is_page_aligned(geometry.covered_end) && geometry.covered_end <= MAX_PADDR);
  const std::uint64_t slot_bytes = geometry.covered_end / PAGE_SIZE * layout::META_SLOT_SIZE;
  KREQUIRES(slot_bytes <= std::numeric_limits<std::uintptr_t>::max() - geometry.slots_base);
  meta_geometry_detail::g_installed = geometry;
}

// Back to no geometry (no frame has a slot). For host fixtures whose memory goes away;
// the kernel never calls it.
inline void uninstall_meta_geometry() { meta_geometry_detail::g_installed = MetaGeometry{}; }

inline const MetaGeometry& meta_geometry() { return meta_geometry_detail::g_installed; }

inline std::uint64_t meta_slot_count() { return meta_geometry().covered_end / PAGE_SIZE; }

// Whether the (page-aligned) frame `pa` has a readable slot.
inline bool has_slot(Paddr pa) {
  const MetaGeometry& geometry = meta_geometry();
  return pa < geometry.covered_end &&
         (geometry.slot_is_backed == nullptr || geometry.slot_is_backed(pa));
}

// Whether the slot of `pa` (which has_slot) holds metadata rather than bytes not yet written.
inline bool slot_is_written(Paddr pa) {
  const MetaGeometry& geometry = meta_geometry();
  return geometry.slot_is_initialised == nullptr || geometry.slot_is_initialised(pa);
}

}  // namespace mm::meta
