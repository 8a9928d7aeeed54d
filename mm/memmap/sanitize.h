// sanitize_memory_map: turns the firmware's memory map into keel's MemoryMap.
//
// Real firmware maps are unsorted, overlapping, duplicated, hold zero-length and
// byte-granular entries (SeaBIOS ends low RAM at 0x9fbff), and may describe addresses the
// CPU cannot reach. The sanitizer, in order, per entry:
//   1. classifies the type number (firmware_types.h; unknown numbers → Reserved + warning);
//   2. drops zero-length entries (warning);
//   3. an entry that runs past 2^64 (base + length > 2^64, or a length the loader could not
//      fit in 64 bits — FirmwareRegion::length_saturated) has a broken length, whatever the
//      source (e820 via multiboot2 or PVH, EFI): a usable one is dropped, since trusting it
//      would hand out RAM that may not exist, and any other type is kept from its base to
//      the physical limit, since reserving too much is harmless (one warning either way;
//      an entry ending exactly at 2^64 is fine: its last byte is representable);
//   4. clips to the physical limit: min(2^phys_addr_bits, MAX_PADDR) (warning);
//   5. rounds: usable ranges shrink inward to 4 KiB boundaries (warning when that changes
//      them), every other type grows outward — a partly reserved frame is reserved;
// then sweeps all entries in address order: where several cover a range the most
// restrictive type wins (region_type.h documents the order; warning), and adjacent ranges
// of equal type merge. No single broken entry is fatal: only a map with no usable frame
// left (or more entries than keel holds) is an error.
//
// No heap; O(n log n) for n entries; scratch lives inside MemoryMap.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <span>

#include "lib/fmt/format_fwd.h"
#include "mm/memmap/firmware_region.h"
#include "mm/memmap/map_warnings.h"
#include "mm/memmap/memory_map.h"
#include "mm/types.h"

namespace mm::memmap {

struct SanitizeOptions {
  // CPUID 0x80000008 EAX[7:0]. 0 = unknown (use MAX_PADDR_BITS); values below 32 are
  // treated as 32 (no x86-64 CPU has less; smaller values are hypervisor garbage).
  unsigned phys_addr_bits = MAX_PADDR_BITS;
};

// The exclusive upper bound on usable physical addresses for `options`.
Paddr physical_limit(const SanitizeOptions& options);

enum class MemoryMapErrorCode : std::uint8_t {
  TooManyEntries,  // more than MAX_FIRMWARE_REGIONS entries (entry_index = the first extra)
  NoUsableMemory,  // nothing usable left after sanitizing (entry_index = NO_ENTRY)
  MapFull,         // more than MAX_MAP_REGIONS output ranges (cannot happen for valid input)
};
const char* error_name(MemoryMapErrorCode code);

struct MemoryMapError {
  MemoryMapErrorCode code;
  std::uint32_t entry_index = NO_ENTRY;
  FirmwareRegion entry{};  // a copy of the offending entry when entry_index is set
  friend bool operator==(const MemoryMapError& a, const MemoryMapError& b) {
    return a.code == b.code && a.entry_index == b.entry_index;
  }
};
// "NoUsableMemory: no usable memory left after sanitizing"
void format_value(keel::fmt::Sink& sink, const keel::fmt::Spec& spec, const MemoryMapError& error);

// Writes the sanitized map to `out` (cleared first; left empty on error) and appends
// warnings to `warnings`.
[[nodiscard]] std::expected<void, MemoryMapError> sanitize_memory_map(std::span<const FirmwareRegion> entries,
                                                        const SanitizeOptions& options,
                                                        MemoryMap& out, MapWarnings& warnings);

}  // namespace mm::memmap
