// HandleAccess: how frame handles adopt and surrender each other's slot pointers
// (conversions, iteration, raw round trips), and how the allocator wraps a frame it has
// just claimed. Everything is private: only the handle types and the allocator's hand-out
// path (allocator::detail::Handout) are friends, so no other code can forge a handle for a
// slot it does not own.
#pragma once

#include <utility>

#include "mm/frame/frame_meta.h"
#include "mm/meta/meta_slot.h"

namespace mm::allocator::detail {
struct Handout;  // mm/allocator/frame_allocator.h
}  // namespace mm::allocator::detail

namespace mm::frame {

template <FrameMetaParam M>
class Frame;
template <AnyFrameMeta M>
class UniqueFrame;
template <FrameMetaParam M>
class FrameRef;
template <AnyFrameMeta M>
class Segment;
template <AnyFrameMeta M>
class SplitFrames;

class HandleAccess {
  template <FrameMetaParam M>
  friend class Frame;
  template <AnyFrameMeta M>
  friend class UniqueFrame;
  template <FrameMetaParam M>
  friend class FrameRef;
  template <AnyFrameMeta M>
  friend class Segment;
  template <AnyFrameMeta M>
  friend class SplitFrames;
  friend struct allocator::detail::Handout;

  template <typename Handle>
  static meta::MetaSlot* slot(const Handle& handle) {
    return handle.slot_;
  }
  // Takes the slot pointer out; the handle is left empty and its destructor does nothing.
  template <typename Handle>
  static meta::MetaSlot* take(Handle& handle) {
    return std::exchange(handle.slot_, nullptr);
  }
  // Wraps a slot whose reference (or unique ownership) the caller hands over.
  template <typename Handle, typename... Args>
  static Handle adopt(Args&&... args) {
    return Handle(std::forward<Args>(args)...);
  }
};

}  // namespace mm::frame
