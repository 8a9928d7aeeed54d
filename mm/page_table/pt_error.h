// PtError: why a page-table operation was refused. Nothing is changed when one is returned,
// except OutOfMemory in the middle of a multi-page map_phys (the pages mapped so far stay;
// take_next/unmap removes them).
#pragma once

#include <cstdint>

#include "mm/support/format.h"

namespace mm::pt {

enum class PtError : std::uint8_t {
  EmptyRange,     // a length of 0
  NotAligned,     // an address, length or physical range not 4 KiB aligned
  OutOfRange,     // outside the config's (or the cursor's) virtual range, or wraps past 2^64
  AlreadyMapped,  // mapping over an existing mapping
  WrongKind,      // tracked frame in an untracked-only table, or the reverse
  NotAFrame,      // map() of a frame that cannot be mapped (a page-table page)
  OutOfMemory,    // no frame for a page-table node
};

constexpr const char* pt_error_name(PtError e) {
  switch (e) {
    case PtError::EmptyRange: return "EmptyRange";
    case PtError::NotAligned: return "NotAligned";
    case PtError::OutOfRange: return "OutOfRange";
    case PtError::AlreadyMapped: return "AlreadyMapped";
    case PtError::WrongKind: return "WrongKind";
    case PtError::NotAFrame: return "NotAFrame";
    case PtError::OutOfMemory: return "OutOfMemory";
  }
  return "PtError(?)";
}

inline void format_value(fmt::Sink& sink, const fmt::Spec& spec, PtError e) {
  fmt::format_value(sink, spec, pt_error_name(e));
}

}  // namespace mm::pt
