// Mints AllocatorPasskey (mm/frame/allocator_passkey.h) for the allocator and its tests.
#pragma once

#include "mm/frame/allocator_passkey.h"

namespace mm::allocator_detail {

struct PasskeyFactory {
  static constexpr AllocatorPasskey make() { return AllocatorPasskey(); }
};

}  // namespace mm::allocator_detail
