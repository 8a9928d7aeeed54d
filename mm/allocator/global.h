// The allocator's global state, shared by its .cc files (not part of the public API).
#pragma once

#include "mm/allocator/buddy.h"

namespace mm::allocator::detail {

BuddyAllocator& global_buddy();

}  // namespace mm::allocator::detail
