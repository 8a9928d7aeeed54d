// check_allocator_invariants(): a full walk of the allocator's state, for tests and
// debugging (O(usable frames); takes the buddy lock; reads every CPU's cache, so run it
// on a quiescent system).
//
// Checked:
//   - every block on list k is aligned to 2^k frames, inside one usable range, its head
//     FREE and marked "buddy list, order k" (links consistent, list length matches), and
//     all its other frames TAILs;
//   - fully coalesced: no free block on list k < MAX_ORDER has its buddy on list k too
//     (per-CPU cached blocks are excluded: the buddy lists see them as allocated until
//     drained — drain_cpu_cache() first to check global coalescing);
//   - every cached block is aligned, usable, its head FREE marked "cpu cache, order k",
//     its other frames TAILs;
//   - ownership: a walk over every usable frame splits it exactly into blocks — free ones
//     (FREE head + TAILs), live frames of any level (head + TAILs), and single frames in
//     other states — with no TAIL outside a block; the free frames the walk finds equal
//     the listed + cached frames, and the lists' frame count matches the counter. So no
//     free frame is lost, none is counted twice, and none is owned twice. Max-order blocks
//     whose slots deferred metadata init has not written yet are skipped (they are not the
//     allocator's yet); a unit being added while the walk runs is not quiescent.
#pragma once

#include <cstdint>
#include <expected>

#include "lib/fmt/format.h"
#include "mm/types.h"

namespace mm::allocator {

struct AllocatorInvariantViolation {
  enum class Kind : std::uint8_t {
    Misaligned,          // block not aligned to its order
    OutsideUsable,       // block not inside one usable range
    WrongListId,         // head's block does not name the list it is on
    BrokenLinks,         // prev/next links inconsistent, or the list is longer than its size
    HeadNotFree,         // the head of a listed or cached block is not FREE
    FrameNotTail,        // a non-head frame of a block is not a TAIL
    OrphanTail,          // a TAIL frame that no block head covers
    NotCoalesced,        // a free block and its buddy are both free at the same order
    CountMismatch,       // the free-frame counter disagrees with the lists
    LostFrames,          // the walk's free frames ≠ listed + cached: lost, or owned twice
  };
  Kind kind;
  Paddr paddr = 0;        // the offending frame or block
  unsigned order = 0;
  std::uint64_t detail = 0;  // kind-specific: the value found
};

const char* invariant_kind_name(AllocatorInvariantViolation::Kind kind);
void format_value(keel::fmt::Sink& sink, const keel::fmt::Spec& spec, const AllocatorInvariantViolation& v);

[[nodiscard]] std::expected<void, AllocatorInvariantViolation> check_allocator_invariants();

}  // namespace mm::allocator
