// UniqueFrame<M>: the sole owner of one frame (its head slot holds REF_COUNT_UNIQUE) of
// 4 KiB, 2 MiB or 1 GiB (level 1, 2, 3: the allocator's alloc_frame makes all three; a huge
// frame has one metadata value and one count, at its head slot). Move-only. It may mutate
// its metadata (meta_mut) and change its type (repurpose); it converts to a shared Frame<M>
// (count 1) and back when it is the only reference (try_from_shared). Dropping it runs the
// metadata's drop hook and returns the whole frame to the allocator in O(1).
#pragma once

#include <cstdint>
#include <expected>
#include <type_traits>
#include <utility>

#include "mm/frame/allocator_passkey.h"
#include "mm/frame/frame.h"
#include "mm/frame/frame_dealloc.h"
#include "mm/frame/frame_meta.h"
#include "mm/frame/get_frame_error.h"
#include "mm/frame/handle_access.h"
#include "mm/frame/slot_ops.h"
#include "mm/frame/untyped.h"
#include "lib/contract/assert_fmt.h"
#include "lib/contract/contract.h"

namespace mm::frame {

template <AnyFrameMeta M>
class UniqueFrame {
 public:
  UniqueFrame() = delete;

  // Claims an unused 4 KiB frame: UNUSED → busy → UNIQUE, with `meta` as its metadata.
  // Errors: NotAligned, OutOfBound, and for a frame that is not unused the state it is in:
  // Free (the allocator's), Tail (inside a huge frame), InUse, Unique, Busy. On error
  // nothing changes.
  [[nodiscard]] static std::expected<UniqueFrame, GetFrameError> from_unused(Paddr pa, M meta) {
    auto slot = slot::get_from_unused(pa, std::move(meta), /*as_unique=*/true);
    if (!slot) return std::unexpected(slot.error());
    return UniqueFrame(*slot);
  }

  // Tries to become the unique owner of a shared frame: succeeds only if `frame` is the
  // only reference (count exactly 1, CAS 1 → UNIQUE); otherwise gives `frame` back.
  [[nodiscard]] static std::expected<UniqueFrame, Frame<M>> try_from_shared(Frame<M>&& frame) {
    meta::MetaSlot* slot = HandleAccess::slot(frame);
    KREQUIRES(slot != nullptr);
    std::uint64_t expected = 1;
    // Acquire: the other (now gone) holders' releases happen-before our exclusive access.
    if (!slot->ref_count.compare_exchange_strong(expected, meta::REF_COUNT_UNIQUE,
                                                 std::memory_order_acquire,
                                                 std::memory_order_relaxed)) {
      return std::unexpected(std::move(frame));
    }
    HandleAccess::take(frame);
    return UniqueFrame(slot);
  }

  // Restores a UniqueFrame forgotten by into_raw (any level: the head slot knows it).
  // Requires: `pa` is the head of a unique frame holding an M; a contract panic naming the
  // state otherwise (a tail address, a free frame, a shared one). Restoring the same raw
  // frame twice is a double free, caught when the second handle drops.
  static UniqueFrame from_raw(Paddr pa) {
    slot::require_live_head(pa, /*unique=*/true, "UniqueFrame::from_raw");
    meta::MetaSlot* slot = meta::frame_to_meta(pa);
    KREQUIRES_FMT(slot::holds<M>(*slot), "UniqueFrame::from_raw({:#x}): the frame holds {}", pa,
                  slot->vtable->name);
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
    const unsigned order = slot::release_unique<M>(*slot_);
    return_block_to_allocator(*slot_, order);
  }

  // Drops the current metadata (running its hook) and installs `meta`: same frame (and
  // level), new type.
  template <AnyFrameMeta M1>
  UniqueFrame<M1> repurpose(M1 meta) && {
    meta::MetaSlot& slot = checked_slot();
    slot.vtable->drop(slot);
    write_meta(slot, std::move(meta));
    return HandleAccess::adopt<UniqueFrame<M1>>(std::exchange(slot_, nullptr));
  }

  // Shares the frame: UNIQUE → 1 (release, pairing with from_in_use's acquire).
  operator Frame<M>() && {  // NOLINT(google-explicit-constructor): a move, like Rust's From
    return std::move(*this).into_shared();
  }
  Frame<M> into_shared() && {
    meta::MetaSlot& slot = checked_slot();
    slot::publish(slot, 1);
    slot_ = nullptr;
    return HandleAccess::adopt<Frame<M>>(&slot);
  }

  const M& meta() const { return slot::meta_of<M>(checked_slot()); }
  M& meta_mut() { return slot::meta_of<M>(checked_slot()); }

  Paddr paddr() const { return meta_to_frame(&checked_slot()); }
  Paddr start_paddr() const { return paddr(); }
  // The level of the page-table entry that maps this frame: 1 (4 KiB), 2 (2 MiB), 3 (1 GiB).
  // One name on every frame handle (Frame, FrameRef): Asterinas OSTD calls it `level` here.
  PagingLevel map_level() const { return slot::order_level(slot::live_order(checked_slot())); }
  std::uint64_t size() const { return PAGE_SIZE << slot::live_order(checked_slot()); }

  UntypedBytes bytes() const
    requires AnyUFrameMeta<M>
  {
    return {paddr(), size()};
  }

  // Splits a 2 MiB / 1 GiB frame into the 512 unique frames of the next level down, piece
  // i's metadata meta_fn(its paddr): SplitFrames<M1>::split (mm/frame/split_frames.h, which
  // a caller includes; the body is instantiated only then). A level-1 frame is a contract
  // panic.
  template <typename MetaFn,
            AnyFrameMeta M1 = std::remove_cvref_t<std::invoke_result_t<MetaFn&, Paddr>>>
  SplitFrames<M1> split(MetaFn&& meta_fn) && {
    return SplitFrames<M1>::split(std::move(*this), std::forward<MetaFn>(meta_fn));
  }

  // Forgets the handle; from_raw restores it. The frame stays UNIQUE.
  [[nodiscard]] Paddr into_raw() && {
    const Paddr pa = paddr();
    slot_ = nullptr;
    return pa;
  }

  // Allocator only: drops the metadata and marks the frame UNUSED *without* returning it to
  // the allocator (which is presumed to take it back itself). Anyone else would leak it.
  // Requires: a 4 KiB frame (a huge frame's tails cannot become unused in O(1)).
  void reset_as_unused(AllocatorPasskey) && {
    meta::MetaSlot& slot = checked_slot();
    KREQUIRES(slot::live_order(slot) == 0);
    slot::release_unique<M>(slot);
    slot::make_unused(slot);
    slot_ = nullptr;
  }

 private:
  friend class HandleAccess;
  explicit UniqueFrame(meta::MetaSlot* slot) : slot_(slot) {}

  meta::MetaSlot& checked_slot() const {
    KASSERT(slot_ != nullptr);
    return *slot_;
  }

  meta::MetaSlot* slot_;
};

static_assert(sizeof(UniqueFrame<UntypedMeta>) == 8);

}  // namespace mm::frame
