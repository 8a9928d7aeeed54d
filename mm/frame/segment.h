// Segment<M>: a contiguous run of 4 KiB frames, each with its own MetaSlot (an M and a
// count). (A 2 MiB or 1 GiB frame with one metadata value is a Frame / UniqueFrame.)
// A Segment holds one reference on every frame in its range. Move-only; clone() (and
// slice()) add references. Dropping it releases each frame's reference; frames whose last
// reference that was go back to the allocator, in contiguous runs.
#pragma once

#include <concepts>
#include <cstdint>
#include <expected>
#include <type_traits>
#include <utility>

#include "lib/contract/assert_fmt.h"
#include "mm/frame/frame.h"
#include "mm/frame/frame_dealloc.h"
#include "mm/frame/frame_meta.h"
#include "mm/frame/frame_ref.h"
#include "mm/frame/get_frame_error.h"
#include "mm/frame/handle_access.h"
#include "mm/frame/slot_ops.h"
#include "mm/frame/untyped.h"
#include "lib/contract/contract.h"
#include "mm/types.h"

namespace mm::frame {

// A byte range [start, end) relative to a segment's first byte.
struct ByteRange {
  std::uint64_t start = 0;
  std::uint64_t end = 0;
};

enum class SegmentRangeError : std::uint8_t {
  NotAligned,  // start or end is not page-aligned
  Reversed,    // end < start (includes start + len that wrapped past 2^64)
  OutOfRange,  // end > nbytes()
};
constexpr const char* error_name(SegmentRangeError e) {
  switch (e) {
    case SegmentRangeError::NotAligned: return "NotAligned";
    case SegmentRangeError::Reversed: return "Reversed";
    case SegmentRangeError::OutOfRange: return "OutOfRange";
  }
  return "SegmentRangeError(?)";
}

template <AnyFrameMeta M>
class Segment {
 public:
  Segment() = delete;

  // Claims every frame in `range` as unused, with metadata_fn(pa) as each one's metadata;
  // each count becomes 1. Requires: start ≤ end. Errors: NotAligned for an unaligned
  // range, else the first failing frame's GetFrameError; on error nothing changes.
  //
  // Two phases, so the claim is all-or-nothing under concurrency: every frame is first
  // claimed busy (UNUSED → 0, which every other claim refuses), and only once the whole
  // range is held are the metadata written and the counts published. Publishing as we go
  // would let a concurrent from_in_use take a reference to a frame that a later failure
  // then could not give back. On failure the busy frames go back to UNUSED untouched.
  template <typename MetaFn>
    requires std::is_invocable_r_v<M, MetaFn&, Paddr>
  [[nodiscard]] static std::expected<Segment, GetFrameError> from_unused(PhysRange range, MetaFn&& metadata_fn) {
    if (!is_page_aligned(range.start) || !is_page_aligned(range.end))
      return std::unexpected(GetFrameError::NotAligned);
    KREQUIRES(range.start <= range.end);
    for (Paddr pa = range.start; pa < range.end; pa += PAGE_SIZE) {
      auto found = slot::lookup(pa);
      auto claimed = found ? slot::claim_unused(**found)
                           : std::expected<void, GetFrameError>(std::unexpect, found.error());
      if (!claimed) [[unlikely]] {
        for (Paddr undo = range.start; undo < pa; undo += PAGE_SIZE) slot::make_unused(*meta::frame_to_meta(undo));
        return std::unexpected(claimed.error());
      }
    }
    for (Paddr pa = range.start; pa < range.end; pa += PAGE_SIZE) {
      slot::claim_owned(*meta::frame_to_meta(pa), M(metadata_fn(pa)), 0, /*as_unique=*/false);
    }
    return Segment(range);
  }

  // Restores a segment forgotten by into_raw. Requires: `range` page-aligned, every frame
  // a shared 4 KiB frame holding an M; a contract panic naming the first frame's state
  // otherwise.
  static Segment from_raw(PhysRange range) {
    KREQUIRES(is_page_aligned(range.start) && is_page_aligned(range.end));
    KREQUIRES(range.start <= range.end);
    for (Paddr pa = range.start; pa < range.end; pa += PAGE_SIZE) {
      slot::require_live_head(pa, /*unique=*/false, "Segment::from_raw");
      const meta::MetaSlot& slot = *meta::frame_to_meta(pa);
      KREQUIRES_FMT(slot::holds<M>(slot) && slot::live_order(slot) == 0,
                    "Segment::from_raw: frame {:#x} holds {} (order {})", pa, slot.vtable->name,
                    slot::live_order(slot));
    }
    return Segment(range);
  }
  // Forgets the segment without releasing its references.
  [[nodiscard]] PhysRange into_raw() && { return std::exchange(range_, PhysRange{}); }

  Segment(Segment&& other) noexcept : range_(std::exchange(other.range_, PhysRange{})) {}
  Segment& operator=(Segment&& other) noexcept {
    Segment dying(std::move(*this));
    range_ = std::exchange(other.range_, PhysRange{});
    return *this;
  }
  Segment(const Segment&) = delete;  // O(frames): spell it clone()
  Segment& operator=(const Segment&) = delete;
  ~Segment() { release_range(range_); }

  // Another handle on the same frames (+1 on each).
  Segment clone() const {
    for (Paddr pa = range_.start; pa < range_.end; pa += PAGE_SIZE) slot::inc_ref(*meta::frame_to_meta(pa));
    return Segment(range_);
  }

  // One 4 KiB frame as a segment (the Frame's reference moves into it).
  explicit Segment(Frame<M>&& frame) {
    KREQUIRES(frame.map_level() == 1);
    const Paddr pa = frame.paddr();
    HandleAccess::take(frame);
    range_ = {pa, pa + PAGE_SIZE};
  }

  Paddr paddr() const { return range_.start; }
  Paddr start_paddr() const { return range_.start; }
  Paddr end_paddr() const { return range_.end; }
  PhysRange range() const { return range_; }
  // Length in bytes (Asterinas's Segment::size); nbytes() says the same.
  std::uint64_t size() const { return range_.size(); }
  std::uint64_t nbytes() const { return range_.size(); }
  std::uint64_t nframes() const { return range_.size() / PAGE_SIZE; }

  // Splits at `offset` bytes into [0, offset) and [offset, nbytes). No count changes.
  // Requires: offset page-aligned and 0 < offset < nbytes().
  std::pair<Segment, Segment> split(std::uint64_t offset) && {
    KREQUIRES(is_page_aligned(offset) && offset > 0 && offset < nbytes());
    const PhysRange whole = std::exchange(range_, PhysRange{});
    const Paddr mid = whole.start + offset;  // < whole.end: cannot overflow
    return {Segment(PhysRange{whole.start, mid}), Segment(PhysRange{mid, whole.end})};
  }

  // A new segment over [start, end) of this one (+1 on each frame in it). All checks are
  // made on offsets before any address arithmetic, so nothing can wrap (the overflow the
  // vostd verification found in Asterinas's slice: self.start + range.end unchecked).
  [[nodiscard]] std::expected<Segment, SegmentRangeError> try_slice(ByteRange r) const {
    if (!is_page_aligned(r.start) || !is_page_aligned(r.end))
      return std::unexpected(SegmentRangeError::NotAligned);
    if (r.end < r.start) return std::unexpected(SegmentRangeError::Reversed);
    if (r.end > nbytes()) return std::unexpected(SegmentRangeError::OutOfRange);
    const PhysRange sub{range_.start + r.start, range_.start + r.end};
    for (Paddr pa = sub.start; pa < sub.end; pa += PAGE_SIZE) slot::inc_ref(*meta::frame_to_meta(pa));
    return Segment(sub);
  }
  // try_slice, with a bad range a contract panic.
  Segment slice(ByteRange r) const {
    auto sliced = try_slice(r);
    KREQUIRES(sliced.has_value());
    return std::move(*sliced);
  }

  // Borrows frame `index` (< nframes()).
  FrameRef<M> frame(std::uint64_t index) const [[clang::lifetimebound]] {
    KREQUIRES(index < nframes());
    return HandleAccess::adopt<FrameRef<M>>(meta::frame_to_meta(range_.start + index * PAGE_SIZE));
  }

  // Iteration over the frames as borrowed FrameRefs: `for (FrameRef<M> f : seg.frames())`.
  // Use f.clone() to keep one.
  class FrameIterator {
   public:
    using value_type = FrameRef<M>;
    using difference_type = std::ptrdiff_t;
    FrameIterator() = default;
    FrameRef<M> operator*() const { return HandleAccess::adopt<FrameRef<M>>(slot_); }
    FrameIterator& operator++() {
      ++slot_;
      return *this;
    }
    FrameIterator operator++(int) {
      FrameIterator old = *this;
      ++slot_;
      return old;
    }
    friend bool operator==(FrameIterator, FrameIterator) = default;

   private:
    friend class Segment;
    explicit FrameIterator(meta::MetaSlot* slot) : slot_(slot) {}
    meta::MetaSlot* slot_ = nullptr;
  };
  struct FrameRange {
    FrameIterator first, last;
    FrameIterator begin() const { return first; }
    FrameIterator end() const { return last; }
  };
  FrameRange frames() const [[clang::lifetimebound]] {
    return {FrameIterator(meta::frame_to_meta(range_.start)), FrameIterator(meta::frame_to_meta(range_.end))};
  }

  UntypedBytes bytes() const
    requires AnyUFrameMeta<M>
  {
    return {range_.start, range_.size()};
  }

 private:
  friend class HandleAccess;
  explicit Segment(PhysRange range) : range_(range) {}

  // Releases one reference per frame; frames freed by it go back in contiguous runs.
  static void release_range(PhysRange range) {
    Paddr run_start = range.start;
    std::uint64_t run_frames = 0;
    for (Paddr pa = range.start; pa < range.end; pa += PAGE_SIZE) {
      if (slot::drop_ref<M>(*meta::frame_to_meta(pa))) {
        if (run_frames == 0) run_start = pa;
        ++run_frames;
        continue;
      }
      if (run_frames != 0) return_busy_frames_to_allocator(run_start, run_frames);
      run_frames = 0;
    }
    if (run_frames != 0) return_busy_frames_to_allocator(run_start, run_frames);
  }

  PhysRange range_;
};

}  // namespace mm::frame
