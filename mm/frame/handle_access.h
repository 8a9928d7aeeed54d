// HandleAccess: the one friend of every frame handle, so handles can adopt and surrender
// each other's slot pointers (conversions, iteration, raw round trips) without each
// befriending all the others.
#pragma once

#include <utility>

#include "mm/meta/meta_slot.h"

namespace mm {

struct HandleAccess {
  template <typename Handle>
  static MetaSlot* slot(const Handle& handle) {
    return handle.slot_;
  }
  // Takes the slot pointer out; the handle is left empty and its destructor does nothing.
  template <typename Handle>
  static MetaSlot* take(Handle& handle) {
    return std::exchange(handle.slot_, nullptr);
  }
  // Wraps a slot whose reference (or unique ownership) the caller hands over.
  template <typename Handle>
  static Handle adopt(MetaSlot* slot) {
    return Handle(slot);
  }
};

}  // namespace mm
