// check_allocator_invariants(): a full walk of the allocator's state, for tests and
// debugging (O(usable frames); takes the buddy lock; reads every CPU's cache, so run it
// on a quiescent system).
//
// Checked:
//   - every block on list k is aligned to 2^k frames, inside one usable range, on exactly
//     that list (head in_list = k + 1, links consistent, list length matches), all its
//     frames UNUSED and its other frames on no list;
//   - fully coalesced: no free block on list k < MAX_ORDER has its buddy on list k too
//     (per-CPU cached blocks are excluded: the buddy lists see them as allocated until
//     drained — drain_cpu_cache() first to check global coalescing);
//   - every cached block is aligned, usable, UNUSED, marked cache_list_id(k);
//   - accounting: the lists' frame count matches the counter, and listed + cached frames
//     plus in-use frames (slot not UNUSED) equal the usable total — so no free frame is
//     lost and none is counted twice.
#pragma once

#include <cstdint>
#include <expected>

#include "mm/support/format.h"
#include "mm/types.h"

namespace mm {

struct AllocatorInvariantViolation {
  enum class Kind : std::uint8_t {
    Misaligned,          // block not aligned to its order
    OutsideUsable,       // block not inside one usable range
    WrongListId,         // head's in_list does not name the list it is on
    BrokenLinks,         // prev/next links inconsistent, or the list is longer than its size
    FrameNotUnused,      // a frame of a free block has a reference count
    FrameOnList,         // a non-head frame of a free block is marked as on a list
    NotCoalesced,        // a free block and its buddy are both free at the same order
    CountMismatch,       // the free-frame counter disagrees with the lists
    LostFrames,          // free + in use ≠ usable: a free frame is on no list, or overlap
  };
  Kind kind;
  Paddr paddr = 0;        // the offending frame or block
  unsigned order = 0;
  std::uint64_t detail = 0;  // kind-specific: the value found
};

const char* invariant_kind_name(AllocatorInvariantViolation::Kind kind);
void format_value(fmt::Sink& sink, const fmt::Spec& spec, const AllocatorInvariantViolation& v);

std::expected<void, AllocatorInvariantViolation> check_allocator_invariants();

}  // namespace mm
