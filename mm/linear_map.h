// The linear map: all of physical memory at one virtual offset, pa → base + pa. The one
// owner of that offset.
//
// Installed by install_linear_map, and only by it, before anything reaches physical
// memory through it: the kernel's entry code installs layout::LINEAR_MAP_BASE, host tests'
// SimMemory the base of its simulated RAM. Read-only afterwards, so readers need no lock;
// phys_to_virt is an inline add of this constinit global, as cheap as a constant offset.
#pragma once

#include <cstdint>

#include "lib/contract/contract.h"
#include "mm/types.h"

namespace mm {

namespace linear_map_detail {
// Written only by install_linear_map / uninstall_linear_map.
inline constinit std::uintptr_t g_base = 0;
}  // namespace linear_map_detail

// Makes `base` the virtual address of physical address 0. A contract violation unless it
// is set and page aligned (every frame then maps to a page-aligned address).
inline void install_linear_map(std::uintptr_t base) {
  KREQUIRES(base != 0 && is_page_aligned(base));
  linear_map_detail::g_base = base;
}

// Back to no linear map. For host fixtures whose memory goes away; the kernel never calls it.
inline void uninstall_linear_map() { linear_map_detail::g_base = 0; }

inline std::uintptr_t linear_map_base() { return linear_map_detail::g_base; }

inline void* phys_to_virt(Paddr pa) {
  return reinterpret_cast<void*>(linear_map_detail::g_base + pa);
}

}  // namespace mm
