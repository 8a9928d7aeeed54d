// A software x86-64 MMU for host tests: walks the tables a PageTable built (through
// mm::phys_to_virt, i.e. over simulated physical memory) the way the CPU would, and
// answers what an access to a virtual address would do.
#pragma once

#include <cstdint>
#include <optional>

#include "mm/linear_map.h"
#include "mm/page_table/page_property.h"
#include "mm/types.h"

namespace mm::page_table::testing {

enum class Access : std::uint8_t { Read, Write, Execute };

struct Translation {
  Paddr pa = 0;            // the byte va translates to
  PagingLevel level = 0;   // of the leaf (1: 4 KiB, 2: 2 MiB, 3: 1 GiB)
  bool writable = false;   // every level allows writes
  bool executable = false; // no level sets NX
  bool user = false;       // every level allows user mode
  bool global = false;
  bool tracked = false;
  CachePolicy cache = CachePolicy::Writeback;
};

// nullopt: a non-canonical address, or a not-present entry on the way (a #PF).
std::optional<Translation> soft_translate(Paddr root, PagingLevel nr_levels, Vaddr va);

// Whether a supervisor-mode access (CR0.WP = 1, EFER.NXE = 1) would succeed.
bool soft_access_ok(Paddr root, PagingLevel nr_levels, Vaddr va, Access access);

}  // namespace mm::page_table::testing
