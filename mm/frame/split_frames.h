// SplitFrames<M>: splitting a unique 2 MiB / 1 GiB frame into the 512 unique frames of the
// next level down, and merging 512 such frames back into one. Both are O(512), one slot
// write per piece or part, never O(4 KiB frames): a piece's own tails stay TAILs.
//
//   auto huge = TRY(mm::allocator::alloc_frame(mm::frame::UntypedMeta{}, {.zeroed = false, .level = 2}));
//   mm::frame::SplitFrames<PageMeta> pieces = std::move(huge).split([](Paddr) { return PageMeta{}; });
//   std::vector<mm::frame::UniqueFrame<PageMeta>> parts;
//   while (auto piece = pieces.next()) parts.push_back(std::move(*piece));   // 512 × 4 KiB
//   auto whole = mm::frame::SplitFrames<PageMeta>::merge(parts, mm::frame::UntypedMeta{}); // one 2 MiB again
//
// Split (UniqueFrame<M0> of level L ≥ 2 → 512 UniqueFrame<M> of level L−1): the frame's
// metadata is dropped (its hook runs), then piece i, at paddr + i·size/512, becomes a live
// UNIQUE head with meta_fn(its paddr). A level-1 frame cannot be split: a contract panic
// (the caller knows the level; there is nothing to recover). SplitFrames hands the pieces
// out in address order (next()); pieces not taken are dropped with it (each one's hook
// runs; they go back to the allocator as a few aligned blocks, not piece by piece).
//
// Merge (512 UniqueFrame<M> of level L ≤ 2 → one UniqueFrame<M1> of level L+1): the parts
// must be unique, of one level, adjacent in address order, the first aligned to level
// L+1's size. All or nothing: any error (FrameMergeError) leaves every part holding its
// frame and metadata; on success every part's metadata is dropped (hooks run, in address
// order), the parts are left empty (moved-from), and `meta` is the merged frame's metadata.
// Frames need not come from a split: any 512 adjacent unique frames merge.
//
// The state transitions are mm/frame/slot_ops.h's make_split_piece, begin_merged_head and
// retire_merged_part (plain stores: the owner of a UniqueFrame owns all its block's slots).
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <optional>
#include <span>
#include <type_traits>
#include <utility>

#include "lib/contract/assert_fmt.h"
#include "mm/frame/frame_dealloc.h"
#include "mm/frame/frame_meta.h"
#include "mm/frame/handle_access.h"
#include "mm/frame/slot_ops.h"
#include "mm/frame/unique_frame.h"
#include "lib/contract/contract.h"
#include "lib/fmt/format.h"
#include "mm/types.h"

namespace mm::frame {

// Why SplitFrames::merge refused its parts (nothing changed).
enum class FrameMergeError : std::uint8_t {
  WrongCount,     // not exactly 512 parts
  EmptyPart,      // a part is an empty (moved-from) handle
  MaxLevel,       // the parts are 1 GiB frames: there is no larger frame
  Misaligned,     // the first part is not aligned to the merged frame's size
  LevelMismatch,  // a part's level differs from the first part's
  NotAdjacent,    // part i is not at the first part's paddr + i·size (a gap, or out of order)
};

constexpr const char* error_name(FrameMergeError e) {
  switch (e) {
    case FrameMergeError::WrongCount: return "WrongCount";
    case FrameMergeError::EmptyPart: return "EmptyPart";
    case FrameMergeError::MaxLevel: return "MaxLevel";
    case FrameMergeError::Misaligned: return "Misaligned";
    case FrameMergeError::LevelMismatch: return "LevelMismatch";
    case FrameMergeError::NotAdjacent: return "NotAdjacent";
  }
  return "FrameMergeError(?)";
}


template <AnyFrameMeta M>
class SplitFrames {
 public:
  // A split makes, and a merge takes, this many frames: one page table's entries.
  static constexpr std::size_t PIECES = std::size_t{1} << slot::LEVEL_ORDER_STRIDE;

  SplitFrames() = delete;

  // Splits `frame` (level L ≥ 2; a contract panic otherwise) into 512 unique frames of
  // level L−1, piece i's metadata meta_fn(paddr of piece i). `frame`'s metadata is dropped
  // first (its hook runs). O(512).
  template <AnyFrameMeta M0, typename MetaFn>
    requires std::is_invocable_r_v<M, MetaFn&, Paddr>
  static SplitFrames split(UniqueFrame<M0>&& frame, MetaFn&& meta_fn) {
    meta::MetaSlot* head = HandleAccess::slot(frame);
    KREQUIRES(head != nullptr);
    const unsigned order = slot::live_order(*head);
    KREQUIRES_FMT(order >= slot::LEVEL_ORDER_STRIDE,
                  "split of frame {:#x}: a 4 KiB frame (level 1) has no smaller frames",
                  meta::meta_to_frame(head));
    const unsigned piece_order = order - slot::LEVEL_ORDER_STRIDE;
    HandleAccess::take(frame);
    slot::release_unique<M0>(*head);  // UNIQUE → 0, hook run; decided by its CAS
    const Paddr base = meta::meta_to_frame(head);
    const std::uint64_t stride = PAGE_SIZE << piece_order;
    for (std::size_t i = 0; i < PIECES; ++i) {
      const Paddr pa = base + i * stride;
      slot::make_split_piece(*meta::frame_to_meta(pa), M(meta_fn(pa)), piece_order);
    }
    return SplitFrames(base, piece_order);
  }

  // Merges `parts` into one frame of the next level with `meta` (see the top of this file).
  // On success the parts are left empty; on error nothing changed (`meta` is destroyed
  // without its drop hook: it never lived in a slot).
  template <AnyFrameMeta M1>
  [[nodiscard]] static std::expected<UniqueFrame<M1>, FrameMergeError> merge(std::span<UniqueFrame<M>> parts,
                                                               M1 meta) {
    if (parts.size() != PIECES) return std::unexpected(FrameMergeError::WrongCount);
    meta::MetaSlot* const first = HandleAccess::slot(parts[0]);
    if (first == nullptr) return std::unexpected(FrameMergeError::EmptyPart);
    const unsigned order = slot::live_order(*first);
    if (order + slot::LEVEL_ORDER_STRIDE > meta::MAX_BLOCK_ORDER)
      return std::unexpected(FrameMergeError::MaxLevel);
    const Paddr base = meta::meta_to_frame(first);
    const std::uint64_t stride = PAGE_SIZE << order;
    if (base % (stride * PIECES) != 0) return std::unexpected(FrameMergeError::Misaligned);
    // Check everything before changing anything.
    for (std::size_t i = 0; i < PIECES; ++i) {
      meta::MetaSlot* part = HandleAccess::slot(parts[i]);
      if (part == nullptr) return std::unexpected(FrameMergeError::EmptyPart);
      if (slot::live_order(*part) != order) return std::unexpected(FrameMergeError::LevelMismatch);
      if (meta::meta_to_frame(part) != base + i * stride) return std::unexpected(FrameMergeError::NotAdjacent);
      require_unique(*part);
    }
    for (UniqueFrame<M>& part : parts) HandleAccess::take(part);
    return merge_slots<M1>(first, order, std::move(meta));
  }

  // Merges the pieces not yet taken back into one frame with `meta`, without making a
  // handle for each: requires remaining() == 512 (nothing taken; a contract panic
  // otherwise). The undo of split, O(512).
  template <AnyFrameMeta M1>
  UniqueFrame<M1> merge(M1 meta) && {
    KREQUIRES(remaining() == PIECES);
    next_ = PIECES;
    return merge_slots<M1>(meta::frame_to_meta(base_), piece_order_, std::move(meta));
  }

  SplitFrames(SplitFrames&& other) noexcept
      : base_(other.base_), next_(std::exchange(other.next_, PIECES)), piece_order_(other.piece_order_) {}
  SplitFrames& operator=(SplitFrames&& other) noexcept {
    SplitFrames dying(std::move(*this));
    base_ = other.base_;
    next_ = std::exchange(other.next_, PIECES);
    piece_order_ = other.piece_order_;
    return *this;
  }
  SplitFrames(const SplitFrames&) = delete;
  SplitFrames& operator=(const SplitFrames&) = delete;
  // Drops the pieces not taken: each one's metadata (hooks run, in address order), then
  // the run goes back to the allocator as the fewest aligned blocks (at most 9 calls, not
  // one per piece). O(remaining()) slot writes.
  ~SplitFrames() { drop_rest(); }

  // The next piece in address order; nullopt once all 512 are taken.
  std::optional<UniqueFrame<M>> next() {
    if (next_ == PIECES) return std::nullopt;
    return take_next();
  }
  std::size_t remaining() const { return PIECES - next_; }
  bool empty() const { return next_ == PIECES; }

  // Where the split frame was, and what each piece is.
  Paddr paddr() const { return base_; }
  PagingLevel piece_level() const { return slot::order_level(piece_order_); }
  std::uint64_t piece_size() const { return PAGE_SIZE << piece_order_; }

 private:
  SplitFrames(Paddr base, unsigned piece_order)
      : base_(base), next_(0), piece_order_(static_cast<std::uint8_t>(piece_order)) {}

  UniqueFrame<M> take_next() {
    const Paddr pa = base_ + next_ * piece_size();
    ++next_;
    return HandleAccess::adopt<UniqueFrame<M>>(meta::frame_to_meta(pa));
  }

  // Pieces [next_, 512) were never handed out, so this SplitFrames is their only owner: the
  // merge transitions (plain stores) make each aligned run one block headed by its first
  // piece, busy, which return_block_to_allocator takes back.
  void drop_rest() {
    meta::MetaSlot* const first = meta::frame_to_meta(base_);
    const std::uint64_t stride_slots = std::uint64_t{1} << piece_order_;
    while (next_ < PIECES) {
      // The largest power of two that divides next_ (all 512 at 0) and fits before the end.
      std::size_t run = next_ == 0 ? PIECES : next_ & (~next_ + 1);
      while (run > PIECES - next_) run >>= 1;
      meta::MetaSlot& head = first[next_ * stride_slots];
      slot::begin_merged_head<M>(head);
      for (std::size_t i = 1; i < run; ++i) slot::retire_merged_part<M>(first[(next_ + i) * stride_slots]);
      return_block_to_allocator(head, piece_order_ + static_cast<unsigned>(std::countr_zero(run)));
      next_ += run;
    }
  }

  // A part handle's count must be UNIQUE: anything else means a second owner restored it
  // with from_raw (and maybe freed it). Panic naming the state, before any change.
  static void require_unique(const meta::MetaSlot& part) {
    const std::uint64_t count = part.ref_count.load(std::memory_order_relaxed);
    KASSERT_FMT(count == meta::REF_COUNT_UNIQUE, "merge of frame {:#x}: a UniqueFrame part, but the frame is {}",
                meta_to_frame(&part), slot::StateOf{part, count});
  }

  // The 512 checked, surrendered parts of `order` from `first` become one UNIQUE frame.
  template <AnyFrameMeta M1>
  static UniqueFrame<M1> merge_slots(meta::MetaSlot* first, unsigned order, M1&& meta) {
    const std::uint64_t stride_slots = std::uint64_t{1} << order;
    slot::begin_merged_head<M>(*first);
    for (std::size_t i = 1; i < PIECES; ++i) slot::retire_merged_part<M>(first[i * stride_slots]);
    slot::claim_owned(*first, std::move(meta), order + slot::LEVEL_ORDER_STRIDE, /*as_unique=*/true);
    return HandleAccess::adopt<UniqueFrame<M1>>(first);
  }

  Paddr base_;
  std::size_t next_;  // pieces [next_, 512) are still ours; 512 when empty or moved-from
  std::uint8_t piece_order_;
};

}  // namespace mm::frame
