// Frame<M>: a reference-counted handle to one frame of 4 KiB, 2 MiB or 1 GiB whose metadata
// is an M (a huge frame: one metadata value and one count, at its head slot).
// Frame<DynMeta> (AnyFrame) is the type-erased handle, with checked down-casts; UFrame is
// the type-erased handle to untyped frames (AnyUFrameMeta), the only kind a page table may
// map tracked.
//
// The count lives in the frame's MetaSlot and counts every handle plus every page-table
// mapping of the frame (page tables hold raw references: into_raw/from_raw, or
// inc_frame_ref_for_mapping / dec_frame_ref_for_mapping). A Frame is a single slot pointer.
//
// Ordering: copy adds a reference with relaxed order; the release uses release order and the
// last one an acquire fence before dropping the metadata (Arc's protocol). Then the frame
// goes back to the allocator. Overflowing REF_COUNT_MAX and releasing a frame that is not
// shared (double free) are contract panics with the frame's address.
#pragma once

#include <cstdint>
#include <expected>
#include <utility>

#include "mm/frame/frame_meta.h"
#include "mm/frame/frame_ref.h"
#include "mm/frame/get_frame_error.h"
#include "mm/frame/handle_access.h"
#include "mm/frame/slot_ops.h"
#include "mm/frame/untyped.h"
#include "mm/meta/meta_slot.h"
#include "lib/contract/assert_fmt.h"
#include "lib/contract/contract.h"
#include "mm/types.h"

namespace mm::frame {

template <FrameMetaParam M>
class Frame {
 public:
  Frame() = delete;

  // Claims an unused 4 KiB frame (Asterinas OSTD's from_unused): UNUSED → busy → count 1,
  // with `meta` as its metadata. Errors: NotAligned, OutOfBound, and for a frame that is
  // not unused the state it is in (Free, Tail, InUse, Unique, Busy). On error nothing
  // changes.
  [[nodiscard]] static std::expected<Frame, GetFrameError> from_unused(Paddr pa, M meta)
    requires AnyFrameMeta<M>
  {
    auto slot = slot::get_from_unused(pa, std::move(meta), /*as_unique=*/false);
    if (!slot) return std::unexpected(slot.error());
    return Frame(*slot);
  }

  // Adds a reference to an in-use (shared) frame; `pa` must be its head. Errors:
  // NotAligned, OutOfBound, Unused, Free, Tail (inside a huge frame), Unique, Busy; for
  // typed M, InUse when the frame's metadata is not an M.
  [[nodiscard]] static std::expected<Frame, GetFrameError> from_in_use(Paddr pa) {
    auto slot = slot::get_from_in_use(pa);
    if (!slot) return std::unexpected(slot.error());
    // The type is checked before a handle exists: a mismatch gives the reference back
    // through the type-erased release, which runs the frame's own drop hook (never M's) if
    // ours was the last reference.
    if (!slot::admits<M>(**slot)) [[unlikely]] {
      slot::release_ref<DynMeta>(**slot);
      return std::unexpected(GetFrameError::InUse);
    }
    return Frame(*slot);
  }

  // Restores a reference forgotten by into_raw (or counted for a mapping). Requires: `pa`
  // heads a shared frame and, for typed M, holds an M; a contract panic naming the state
  // otherwise. Restoring the same raw reference twice is a double free.
  static Frame from_raw(Paddr pa) {
    slot::require_live_head(pa, /*unique=*/false, "Frame::from_raw");
    meta::MetaSlot* slot = meta::frame_to_meta(pa);
    KREQUIRES_FMT(slot::admits<M>(*slot), "Frame::from_raw({:#x}): the frame holds {}", pa,
                  slot->vtable->name);
    return Frame(slot);
  }

  // Forgets the handle without releasing its reference; from_raw restores it.
  [[nodiscard]] Paddr into_raw() && {
    const Paddr pa = paddr();
    slot_ = nullptr;
    return pa;
  }

  Frame(const Frame& other) : slot_(other.slot_) { slot::inc_ref(checked_slot()); }
  Frame(Frame&& other) noexcept : slot_(std::exchange(other.slot_, nullptr)) {}
  Frame& operator=(Frame other) noexcept {
    std::swap(slot_, other.slot_);
    return *this;
  }
  ~Frame() {
    if (slot_ != nullptr) slot::release_ref<M>(*slot_);
  }

  // Up-casts to a type-erased handle (keeps the reference): any frame to AnyFrame, an
  // untyped one to UFrame.
  template <FrameMetaParam From>
    requires ErasesTo<From, M>
  Frame(Frame<From>&& typed) noexcept : slot_(HandleAccess::take(typed)) {}  // NOLINT
  template <FrameMetaParam From>
    requires ErasesTo<From, M>
  Frame(const Frame<From>& typed) : Frame(Frame<From>(typed)) {}  // NOLINT

  // Down-casts a type-erased handle: the handle of T if the frame admits it (its metadata
  // is a T; for T = DynUMeta, untyped), otherwise this handle back, untouched.
  template <FrameMetaParam T>
    requires DynFrameMeta<M> && (!std::same_as<T, M>)
  [[nodiscard]] std::expected<Frame<T>, Frame> downcast() && {
    if (!slot::admits<T>(checked_slot())) return std::unexpected(std::move(*this));
    return HandleAccess::adopt<Frame<T>>(std::exchange(slot_, nullptr));
  }

  template <AnyFrameMeta T>
  bool is() const {
    return slot::holds<T>(checked_slot());
  }

  const M& meta() const
    requires AnyFrameMeta<M>
  {
    return slot::meta_of<M>(checked_slot());
  }
  const meta::FrameMetaVtable& vtable() const { return *checked_slot().vtable; }
  const char* meta_type_name() const { return vtable().name; }

  Paddr paddr() const { return meta::meta_to_frame(&checked_slot()); }
  Paddr start_paddr() const { return paddr(); }
  // The level of the page-table entry that maps this frame: 1 (4 KiB), 2 (2 MiB), 3 (1 GiB).
  PagingLevel map_level() const { return slot::order_level(slot::live_order(checked_slot())); }
  std::uint64_t size() const { return PAGE_SIZE << slot::live_order(checked_slot()); }
  // Handles plus mappings. Other CPUs may change it at any time: a hint, not a lock.
  std::uint64_t reference_count() const {
    return checked_slot().ref_count.load(std::memory_order_relaxed);
  }

  FrameRef<M> borrow() const [[clang::lifetimebound]] {
    return HandleAccess::adopt<FrameRef<M>>(&checked_slot());
  }

  UntypedBytes bytes() const
    requires AnyUFrameMeta<M> || std::same_as<M, DynUMeta>
  {
    return {paddr(), size()};
  }

  friend bool operator==(const Frame& a, const Frame& b) { return a.slot_ == b.slot_; }

 private:
  friend class HandleAccess;
  explicit Frame(meta::MetaSlot* slot) : slot_(slot) {}

  // A moved-from handle is empty; using it is a bug, caught here rather than as a wild read.
  meta::MetaSlot& checked_slot() const {
    KASSERT(slot_ != nullptr);
    return *slot_;
  }

  meta::MetaSlot* slot_;
};

using AnyFrame = Frame<DynMeta>;
using UFrame = Frame<DynUMeta>;

static_assert(sizeof(Frame<UntypedMeta>) == 8);
static_assert(sizeof(AnyFrame) == 8 && sizeof(UFrame) == 8);

// Raw reference helpers for page tables: a mapping of a frame counts as a reference.
// inc: requires that the caller already holds a reference (a handle or another mapping).
inline void inc_frame_ref_for_mapping(Paddr pa) {
  KREQUIRES(is_page_aligned(pa) && meta::has_slot(pa));
  slot::inc_ref(*meta::frame_to_meta(pa));
}
// dec: drops a mapping's reference; the last one frees the frame (whatever its level).
inline void dec_frame_ref_for_mapping(Paddr pa) {
  KREQUIRES(is_page_aligned(pa) && meta::has_slot(pa));
  slot::release_ref(*meta::frame_to_meta(pa));
}

}  // namespace mm::frame
