// FrameRef<M>: a borrowed frame handle that does not touch the reference count.
//
// The rule (Rust's FrameRef<'a, M> lifetime, which C++ cannot check): a FrameRef must not
// outlive the Frame, Segment or raw reference it was borrowed from. What the type system
// does enforce:
//   - no default constructor and no assignment, so it cannot be parked in a field and
//     rebound later; it is made only by Frame::borrow(), Segment iteration and borrow_raw();
//   - borrow()/frames() are [[clang::lifetimebound]], so binding one to a temporary warns;
//   - it never converts to a Frame: keeping the frame needs clone(), which adds a reference.
#pragma once

#include <cstdint>

#include "lib/contract/assert_fmt.h"
#include "mm/frame/frame_meta.h"
#include "mm/frame/handle_access.h"
#include "mm/frame/slot_ops.h"
#include "mm/frame/untyped.h"
#include "mm/meta/meta_slot.h"
#include "mm/types.h"

namespace mm::frame {

template <FrameMetaParam M>
class Frame;

template <FrameMetaParam M>
class FrameRef {
 public:
  FrameRef() = delete;
  FrameRef(const FrameRef&) = default;  // re-borrowing the same frame is harmless
  FrameRef& operator=(const FrameRef&) = delete;

  // Borrows a frame that the caller holds a raw reference to (e.g. a page-table entry
  // made with Frame::into_raw). Requires: `pa` heads a shared frame that admits M (its
  // metadata is an M; untyped for DynUMeta), and a reference is held for the FrameRef's
  // lifetime; a contract panic naming the state otherwise (a free or tail frame).
  static FrameRef borrow_raw(Paddr pa) {
    slot::require_live_head(pa, /*unique=*/false, "FrameRef::borrow_raw");
    meta::MetaSlot* slot = meta::frame_to_meta(pa);
    KREQUIRES_FMT(slot::admits<M>(*slot), "FrameRef::borrow_raw({:#x}): the frame holds {}", pa,
                  slot->vtable->name);
    return FrameRef(slot);
  }

  const M& meta() const
    requires AnyFrameMeta<M>
  {
    return slot::meta_of<M>(*slot_);
  }
  Paddr paddr() const { return meta::meta_to_frame(slot_); }
  Paddr start_paddr() const { return paddr(); }
  PagingLevel map_level() const { return slot::order_level(slot::live_order(*slot_)); }
  std::uint64_t size() const { return PAGE_SIZE << slot::live_order(*slot_); }
  std::uint64_t reference_count() const {
    return slot_->ref_count.load(std::memory_order_relaxed);
  }
  const meta::FrameMetaVtable& vtable() const { return *slot_->vtable; }
  UntypedBytes bytes() const
    requires AnyUFrameMeta<M> || std::same_as<M, DynUMeta>
  {
    return {paddr(), size()};
  }

  // A new owning handle: +1 on the count.
  Frame<M> clone() const {
    slot::inc_ref(*slot_);
    return HandleAccess::adopt<Frame<M>>(slot_);
  }

 private:
  friend class HandleAccess;
  explicit FrameRef(meta::MetaSlot* slot) : slot_(slot) {}

  meta::MetaSlot* slot_;
};

}  // namespace mm::frame

#include "mm/frame/frame.h"  // IWYU pragma: export (clone() returns a Frame)
