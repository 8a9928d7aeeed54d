#include "mm/allocator/buddy.h"

namespace mm {

bool BuddyAllocator::reset(std::span<const PhysRange> usable, Paddr limit) {
  keel::SpinLockGuard guard(lock_);
  for (FreeList& list : state_.lists) list.clear();
  state_.free_frames = 0;
  return usable_.assign(usable, limit);
}

std::uint64_t BuddyAllocator::adopt_unused_frames() {
  keel::SpinLockGuard guard(lock_);
  std::uint64_t taken = 0;
  for (const FrameSpan& span : usable_.spans()) {
    std::uint64_t index = span.first;
    while (index < span.end) {
      // Skip in-use frames, then measure the run of free ones.
      auto is_free = [](std::uint64_t i) {
        const MetaSlot& slot = slot_at(i);
        return slot.ref_count.load(std::memory_order_relaxed) == REF_COUNT_UNUSED &&
               slot.in_list.load(std::memory_order_relaxed) == 0;
      };
      while (index < span.end && !is_free(index)) ++index;
      const std::uint64_t run_start = index;
      while (index < span.end && is_free(index)) ++index;
      if (index > run_start) {
        free_range_locked(run_start, index - run_start);
        taken += index - run_start;
      }
    }
  }
  return taken;
}

std::optional<std::uint64_t> BuddyAllocator::alloc_block(unsigned order) {
  keel::SpinLockGuard guard(lock_);
  return alloc_block_locked(order);
}

std::size_t BuddyAllocator::alloc_blocks(unsigned order, std::span<std::uint64_t> out) {
  keel::SpinLockGuard guard(lock_);
  std::size_t n = 0;
  for (; n < out.size(); ++n) {
    const auto block = alloc_block_locked(order);
    if (!block) break;
    out[n] = *block;
  }
  return n;
}

void BuddyAllocator::free_blocks(unsigned order, std::span<const std::uint64_t> heads) {
  keel::SpinLockGuard guard(lock_);
  for (const std::uint64_t head : heads) free_block_locked(head, order);
}

void BuddyAllocator::free_range(std::uint64_t first, std::uint64_t n) {
  keel::SpinLockGuard guard(lock_);
  free_range_locked(first, n);
}

std::optional<std::uint64_t> BuddyAllocator::alloc_block_locked(unsigned order) {
  unsigned found = order;
  while (found <= MAX_ORDER && state_.lists[found].empty()) ++found;
  if (found > MAX_ORDER) return std::nullopt;
  const std::uint64_t head = state_.lists[found].pop();
  // Split: keep the lower half, free the upper half one order down, until it fits.
  while (found > order) {
    --found;
    state_.lists[found].push(head + order_frames(found), buddy_list_id(found));
  }
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
    if (slot_at(buddy).in_list.load(std::memory_order_relaxed) != buddy_list_id(order)) break;
    state_.lists[order].remove(buddy);
    index &= ~order_frames(order);
    ++order;
  }
  state_.lists[order].push(index, buddy_list_id(order));
}

void BuddyAllocator::free_range_locked(std::uint64_t first, std::uint64_t n) {
  while (n > 0) {
    const unsigned order = max_block_order(first, n);
    free_block_locked(first, order);
    first += order_frames(order);
    n -= order_frames(order);
  }
}

}  // namespace mm
