// AllocatorPeer: lets tests make an AllocatorPasskey, to drive the handle operations that
// only the allocator may use (UniqueFrame::reset_as_unused). testonly: kernel code cannot
// depend on it.
#pragma once

#include "mm/frame/allocator_passkey.h"

namespace mm::allocator::testing {

struct AllocatorPeer {
  static constexpr frame::AllocatorPasskey passkey() { return frame::AllocatorPasskey(); }
};

}  // namespace mm::allocator::testing
