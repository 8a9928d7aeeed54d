// GetFrameError: why a frame handle could not be made from a physical address.
#pragma once

#include <cstdint>

#include "lib/fmt/format.h"

namespace mm::frame {

enum class GetFrameError : std::uint8_t {
  Unused,      // the frame is free (from_in_use wanted an in-use frame)
  InUse,       // the frame is in use (from_unused wanted a free frame), or in use as another type
  Busy,        // the frame is being claimed or released by someone else right now
  Unique,      // the frame is owned by a UniqueFrame
  Free,        // the frame belongs to the allocator (a free block, listed, cached or moving)
  Tail,        // the address is inside a live 2 MiB / 1 GiB frame but not at its start
  OutOfBound,  // the address is beyond the metadata region
  NotAligned,  // the address is not page-aligned
  SlotUninitialised,  // deferred metadata init has not written the frame's slot yet
};

constexpr const char* error_name(GetFrameError e) {
  switch (e) {
    case GetFrameError::Unused: return "Unused";
    case GetFrameError::InUse: return "InUse";
    case GetFrameError::Busy: return "Busy";
    case GetFrameError::Unique: return "Unique";
    case GetFrameError::Free: return "Free";
    case GetFrameError::Tail: return "Tail";
    case GetFrameError::OutOfBound: return "OutOfBound";
    case GetFrameError::NotAligned: return "NotAligned";
    case GetFrameError::SlotUninitialised: return "SlotUninitialised";
  }
  return "GetFrameError(?)";
}

}  // namespace mm::frame
