// AllocatorPeer: lets tests make an AllocatorPasskey, to drive the handle operations that
// only the allocator may use (UniqueFrame::reset_as_unused). testonly: kernel code cannot
// depend on it.
#pragma once

#include "mm/frame/allocator_passkey.h"

namespace mm::testing {

struct AllocatorPeer {
  static constexpr AllocatorPasskey passkey() { return AllocatorPasskey(); }
};

}  // namespace mm::testing
