// AllocatorPasskey: a capability only the frame allocator can make. Handle operations that
// bypass the allocator (UniqueFrame::reset_as_unused) take one, so nothing else calls them.
// Its makers: the allocator's hand-out path, and the allocator's test peer (a testonly
// target, mm/allocator/testing/allocator_peer.h) so tests can drive those operations.
#pragma once

namespace mm::allocator::detail {
struct Handout;  // mm/allocator/frame_allocator.h
}  // namespace mm::allocator::detail
namespace mm::allocator::testing {
struct AllocatorPeer;  // mm/allocator/testing/allocator_peer.h
}  // namespace mm::allocator::testing

namespace mm::frame {

class AllocatorPasskey {
 private:
  friend struct allocator::detail::Handout;
  friend struct allocator::testing::AllocatorPeer;
  constexpr AllocatorPasskey() = default;
};

}  // namespace mm::frame
