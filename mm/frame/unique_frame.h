// UniqueFrame<M>: the sole owner of one frame (its slot holds REF_COUNT_UNIQUE). Move-only.
// It may mutate its metadata (meta_mut) and change its type (repurpose); it converts to a
// shared Frame<M> (count 1) and back when it is the only reference (try_from_shared).
// Dropping it runs the metadata's drop hook and returns the frame to the allocator.
#pragma once

#include <cstdint>
#include <expected>
#include <utility>

#include "mm/frame/allocator_passkey.h"
#include "mm/frame/frame.h"
#include "mm/frame/frame_dealloc.h"
#include "mm/frame/frame_meta.h"
#include "mm/frame/get_frame_error.h"
#include "mm/frame/handle_access.h"
#include "mm/frame/slot_ops.h"
#include "mm/frame/untyped.h"
#include "mm/support/contract.h"

namespace mm {

template <AnyFrameMeta M>
class UniqueFrame {
 public:
  UniqueFrame() = delete;

  // Claims an unused frame: UNUSED → busy → UNIQUE, with `meta` as its metadata.
  // Errors: NotAligned, OutOfBound; InUse / Unique / Busy for a frame that is not unused
  // (or is a free-list head owned by the allocator). On error nothing changes.
  static std::expected<UniqueFrame, GetFrameError> from_unused(Paddr pa, M meta) {
    auto slot = slot::get_from_unused(pa, std::move(meta), /*as_unique=*/true);
    if (!slot) return std::unexpected(slot.error());
    return UniqueFrame(*slot);
  }

  // Tries to become the unique owner of a shared frame: succeeds only if `frame` is the
  // only reference (count exactly 1, CAS 1 → UNIQUE); otherwise gives `frame` back.
  static std::expected<UniqueFrame, Frame<M>> try_from_shared(Frame<M>&& frame) {
    MetaSlot* slot = HandleAccess::slot(frame);
    KREQUIRES(slot != nullptr);
    std::uint64_t expected = 1;
    // Acquire: the other (now gone) holders' releases happen-before our exclusive access.
    if (!slot->ref_count.compare_exchange_strong(expected, REF_COUNT_UNIQUE,
                                                 std::memory_order_acquire,
                                                 std::memory_order_relaxed)) {
      return std::unexpected(std::move(frame));
    }
    HandleAccess::take(frame);
    return UniqueFrame(slot);
  }

  // Restores a UniqueFrame forgotten by into_raw. Requires: page-aligned, in the metadata
  // region, count REF_COUNT_UNIQUE and metadata of type M (restoring twice = double free).
  static UniqueFrame from_raw(Paddr pa) {
    KREQUIRES(is_page_aligned(pa) && has_slot(pa));
    MetaSlot* slot = frame_to_meta(pa);
    KREQUIRES(slot->ref_count.load(std::memory_order_relaxed) == REF_COUNT_UNIQUE);
    KREQUIRES(slot::holds<M>(*slot));
    return UniqueFrame(slot);
  }

  UniqueFrame(UniqueFrame&& other) noexcept : slot_(std::exchange(other.slot_, nullptr)) {}
  UniqueFrame& operator=(UniqueFrame&& other) noexcept {
    UniqueFrame dying(std::move(*this));
    slot_ = std::exchange(other.slot_, nullptr);
    return *this;
  }
  UniqueFrame(const UniqueFrame&) = delete;
  UniqueFrame& operator=(const UniqueFrame&) = delete;
  ~UniqueFrame() {
    if (slot_ == nullptr) return;
    slot::drop_unique<M>(*slot_);
    return_frames_to_allocator(meta_to_frame(slot_), 1);
  }

  // Drops the current metadata (running its hook) and installs `meta`: same frame, new type.
  // Requires: the frame is on no list (in_list == 0).
  template <AnyFrameMeta M1>
  UniqueFrame<M1> repurpose(M1 meta) && {
    MetaSlot& slot = checked_slot();
    KREQUIRES(slot.in_list.load(std::memory_order_relaxed) == 0);
    slot.vtable->drop(slot);
    write_meta(slot, std::move(meta));
    return HandleAccess::adopt<UniqueFrame<M1>>(std::exchange(slot_, nullptr));
  }

  // Shares the frame: UNIQUE → 1 (release, pairing with from_in_use's acquire).
  operator Frame<M>() && {  // NOLINT(google-explicit-constructor): a move, like Rust's From
    return std::move(*this).into_shared();
  }
  Frame<M> into_shared() && {
    MetaSlot& slot = checked_slot();
    slot::publish(slot, 1);
    slot_ = nullptr;
    return HandleAccess::adopt<Frame<M>>(&slot);
  }

  const M& meta() const { return slot::meta_of<M>(checked_slot()); }
  M& meta_mut() { return slot::meta_of<M>(checked_slot()); }

  Paddr paddr() const { return meta_to_frame(&checked_slot()); }
  Paddr start_paddr() const { return paddr(); }
  // Always 1 (a 4 KiB frame) for now.
  PagingLevel level() const { return 1; }
  std::uint64_t size() const { return PAGE_SIZE; }

  UntypedBytes bytes() const
    requires AnyUFrameMeta<M>
  {
    return {paddr(), PAGE_SIZE};
  }

  // Forgets the handle; from_raw restores it. The frame stays UNIQUE.
  [[nodiscard]] Paddr into_raw() && {
    const Paddr pa = paddr();
    slot_ = nullptr;
    return pa;
  }

  // Allocator only: drops the metadata and marks the frame UNUSED *without* returning it to
  // the allocator (which is presumed to take it back itself). Anyone else would leak it.
  // Requires: on no list.
  void reset_as_unused(AllocatorPasskey) && {
    MetaSlot& slot = checked_slot();
    KREQUIRES(slot.in_list.load(std::memory_order_relaxed) == 0);
    slot::drop_unique<M>(slot);
    slot_ = nullptr;
  }

 private:
  friend struct HandleAccess;
  explicit UniqueFrame(MetaSlot* slot) : slot_(slot) {}

  MetaSlot& checked_slot() const {
    KASSERT(slot_ != nullptr);
    return *slot_;
  }

  MetaSlot* slot_;
};

static_assert(sizeof(UniqueFrame<UntypedMeta>) == 8);

}  // namespace mm
