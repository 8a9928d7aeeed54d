// Early mappings in the boot page tables (boot/entry.S), before the kernel's own page
// tables exist: the metadata region's backing and the linear map of RAM above 4 GiB.
// Only 2 MiB and 1 GiB leaves; page-table pages come from the caller (the early frame
// allocator) and must lie below `table_limit`, the end of what the linear map reaches now
// (4 GiB with the boot tables; all RAM once the linear map has been extended).
#pragma once

#include <cstdint>

namespace arch {

// Returns the physical address of a frame for a page-table page, or 0 when out of memory.
using TableFrameSource = std::uint64_t (*)(void* context);

enum class EarlyMapError : std::uint8_t {
  Misaligned,      // va, pa or size not aligned to the page size
  AlreadyMapped,   // an entry on the way is a leaf, or the leaf slot is taken
  OutOfFrames,     // the frame source returned 0
  TableTooHigh,    // a table frame at or above table_limit (unreachable through the linear map)
};
const char* error_name(EarlyMapError error);

struct EarlyMapResult {
  bool ok = true;
  EarlyMapError error{};
  std::uint64_t va = 0;  // where it failed
  std::uint64_t tables_allocated = 0;
};

// Maps [va, va + size) → [pa, pa + size) read/write, no-execute, global, with 1 GiB pages
// where both addresses are 1 GiB aligned and `use_1g_pages`, else 2 MiB pages.
EarlyMapResult early_map(std::uint64_t va, std::uint64_t pa, std::uint64_t size,
                         bool use_1g_pages, std::uint64_t table_limit, TableFrameSource source,
                         void* context);

}  // namespace arch
