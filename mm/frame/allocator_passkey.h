// AllocatorPasskey: a capability only the frame allocator can make. Handle operations that
// bypass the allocator (UniqueFrame::reset_as_unused) take one, so nothing else calls them.
#pragma once

namespace mm {

namespace allocator_detail {
struct PasskeyFactory;  // defined in mm/allocator/passkey.h
}  // namespace allocator_detail

class AllocatorPasskey {
 private:
  friend struct allocator_detail::PasskeyFactory;
  constexpr AllocatorPasskey() = default;
};

}  // namespace mm
