// PtError: why a page-table operation was refused. Nothing is changed when one is returned,
// OutOfMemory included: unmap checks both ends of its range for a tracked huge frame it
// would cut, and unmap/take_next/protect_next allocate every node their huge-page splits
// need, before they change anything; map_phys unmaps the pages it mapped before a node
// allocation failed. (Empty nodes a failed map made are freed when the cursor moves on or
// ends, as any empty node is.) mm/page_table/all_or_nothing_test.cc fails each operation
// at every allocation it makes.
#pragma once

#include <cstdint>

#include "lib/fmt/format.h"

namespace mm::page_table {

enum class PtError : std::uint8_t {
  EmptyRange,     // a length of 0
  NotAligned,     // an address, length or physical range not 4 KiB aligned
  OutOfRange,     // outside the config's (or the cursor's) virtual range, or wraps past 2^64
  AlreadyMapped,  // mapping over an existing mapping
  WrongKind,      // tracked frame in an untracked-only table, or the reverse
  OutOfMemory,    // no frame for a page-table node
  SplitsTrackedHuge,  // the range cuts a tracked 2 MiB / 1 GiB frame's mapping: a mapping
                      // holds the whole frame; unmap it whole (and split the frame) instead
  LevelUnsupported,   // a huge frame's level has no leaf entries here (1 GiB pages absent)
  PhysOutOfRange,     // a physical address at or above 2^min(CPU's physical address width,
                      // the PTE format's limit): it does not exist, or a PTE cannot hold it
  WritableExecutable, // the config forbids W+X leaves (the kernel's: W^X, pt_config.h) and
                      // map/map_phys/protect asked for one
};

constexpr const char* error_name(PtError e) {
  switch (e) {
    case PtError::EmptyRange: return "EmptyRange";
    case PtError::NotAligned: return "NotAligned";
    case PtError::OutOfRange: return "OutOfRange";
    case PtError::AlreadyMapped: return "AlreadyMapped";
    case PtError::WrongKind: return "WrongKind";
    case PtError::OutOfMemory: return "OutOfMemory";
    case PtError::SplitsTrackedHuge: return "SplitsTrackedHuge";
    case PtError::LevelUnsupported: return "LevelUnsupported";
    case PtError::PhysOutOfRange: return "PhysOutOfRange";
    case PtError::WritableExecutable: return "WritableExecutable";
  }
  return "PtError(?)";
}


}  // namespace mm::page_table
