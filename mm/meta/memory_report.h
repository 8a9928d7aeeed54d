// Human-readable reports of the sanitized map and the metadata plan, for the boot log and
// the `memmap` host tool.
#pragma once

#include <cstdint>

#include "lib/fmt/format_fwd.h"
#include "mm/memmap/memory_map.h"
#include "mm/meta/meta_plan.h"

namespace mm::meta {

// One line per region: base, end (exclusive), size, type; e.g.
//   0x0000000000100000  0x0000000007ffe000    127.9 MiB  usable
void print_memory_map(keel::fmt::Sink& sink, const memmap::MemoryMap& map);

// Overhead of backed metadata relative to usable RAM, in basis points (1/100 %).
std::uint64_t meta_overhead_basis_points(const memmap::MemoryMap& map, const MetaPlan& plan);

// Totals per type, then the metadata plan: slots, backed and saved bytes, overhead.
void print_memory_summary(keel::fmt::Sink& sink, const memmap::MemoryMap& map, const MetaPlan& plan);

}  // namespace mm::meta
