#include "mm/allocator/buddy.h"

#include <algorithm>

#include "mm/meta/meta_geometry.h"

namespace mm::allocator {
namespace {

// The end of the max-order block holding frame `index`: deferred metadata init writes
// slots in units made of whole max-order blocks, so one check per block tells whether
// its slots may be read.
std::uint64_t max_block_end(std::uint64_t index) {
  return (index | (order_frames(MAX_ORDER) - 1)) + 1;
}

}  // namespace

bool BuddyAllocator::reset(std::span<const PhysRange> usable, Paddr limit) {
  keel::sync::SpinLockGuard guard(lock_);
  for (FreeList& list : state_.lists) list.clear();
  state_.free_frames = 0;
  return usable_.assign(usable, limit);
}

std::uint64_t BuddyAllocator::adopt_unused_frames() {
  keel::sync::SpinLockGuard guard(lock_);
  std::uint64_t taken = 0;
  for (const FrameSpan& span : usable_.spans()) {
    std::uint64_t index = span.first;
    while (index < span.end) {
      // Slots not written yet (a deferred unit) are garbage: skip the whole block.
      if ((index == span.first || index % order_frames(MAX_ORDER) == 0) &&
          !meta::slot_is_written(index * PAGE_SIZE)) {
        index = max_block_end(index);
        continue;
      }
      // Skip in-use frames, then take the run of unused ones: all TAILs, then blocks.
      auto is_unused = [](std::uint64_t i) {
        return slot_at(i).ref_count.load(std::memory_order_relaxed) == meta::REF_COUNT_UNUSED;
      };
      const std::uint64_t stop = std::min(span.end, max_block_end(index));
      while (index < stop && !is_unused(index)) ++index;
      const std::uint64_t run_start = index;
      while (index < stop && is_unused(index)) frame::slot::make_tail(slot_at(index++));
      if (index > run_start) {
        free_range_locked(run_start, index - run_start);
        taken += index - run_start;
      }
    }
  }
  return taken;
}

std::optional<std::uint64_t> BuddyAllocator::alloc_block(unsigned order) {
  keel::sync::SpinLockGuard guard(lock_);
  return alloc_block_locked(order);
}

std::size_t BuddyAllocator::alloc_blocks(unsigned order, std::span<std::uint64_t> out) {
  keel::sync::SpinLockGuard guard(lock_);
  std::size_t n = 0;
  for (; n < out.size(); ++n) {
    const auto block = alloc_block_locked(order);
    if (!block) break;
    out[n] = *block;
  }
  return n;
}

void BuddyAllocator::free_blocks(unsigned order, std::span<const std::uint64_t> heads) {
  keel::sync::SpinLockGuard guard(lock_);
  for (const std::uint64_t head : heads) free_block_locked(head, order);
}

void BuddyAllocator::free_range(std::uint64_t first, std::uint64_t n) {
  keel::sync::SpinLockGuard guard(lock_);
  free_range_locked(first, n);
}

std::optional<std::uint64_t> BuddyAllocator::alloc_block_locked(unsigned order) {
  unsigned found = order;
  while (found <= MAX_ORDER && state_.lists[found].empty()) ++found;
  if (found > MAX_ORDER) return std::nullopt;
  const std::uint64_t head = state_.lists[found].pop(found);
  // Split: keep the lower half, free the upper half one order down, until it fits. The
  // upper half's head turns from TAIL to FREE as it is pushed.
  while (found > order) {
    --found;
    state_.lists[found].push(head + order_frames(found), found);
  }
  frame::slot::make_free_head(slot_at(head), frame::slot::FreeWhere::Transit, order);
  state_.free_frames -= order_frames(order);
  return head;
}

void BuddyAllocator::free_block_locked(std::uint64_t index, unsigned order) {
  state_.free_frames += order_frames(order);
  while (order < MAX_ORDER) {
    const std::uint64_t buddy = index ^ order_frames(order);
    // A free buddy lies inside one usable range; checking that first also keeps us from
    // reading slots the (sparsely backed) metadata region does not map.
    if (!usable_.contains(buddy, order_frames(order))) break;
    if (!frame::slot::on_buddy_list(slot_at(buddy), order)) break;
    state_.lists[order].remove(buddy, order);
    // The higher of the two heads becomes a TAIL of the merged block.
    frame::slot::make_tail(slot_at(index | order_frames(order)));
    index &= ~order_frames(order);
    ++order;
  }
  state_.lists[order].push(index, order);
}

void BuddyAllocator::free_range_locked(std::uint64_t first, std::uint64_t n) {
  while (n > 0) {
    const unsigned order = max_block_order(first, n);
    free_block_locked(first, order);
    first += order_frames(order);
    n -= order_frames(order);
  }
}

}  // namespace mm::allocator
