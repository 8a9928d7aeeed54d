// BuddyAllocator: the global free lists of orders 0..MAX_ORDER behind one interrupt-safe
// spinlock. Blocks are aligned to their size; allocation splits, freeing coalesces with
// the buddy while the buddy is a free block of the same order on its list.
//
// It hands out and takes back blocks by head frame index, in O(1) slot writes per split or
// merge whatever the size: a block's head is FREE and its other frames are TAILs
// (mm/frame/slot_ops.h), and only heads change. Claiming a frame (its metadata and count)
// is the hand-out path's job. The per-CPU caches sit in front of it.
//
// Its lock is the innermost of the allocator's (mm/allocator/LOCKING.md has the order):
// nothing is allocated, locked or cross-called while it is held.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "mm/allocator/free_list.h"
#include "mm/allocator/order.h"
#include "mm/allocator/usable_ranges.h"
#include "lib/sync/spinlock.h"
#include "mm/lock_order/lock_order.h"
#include "lib/sync/thread_annotations.h"
#include "mm/types.h"

namespace mm::allocator {

// What the lists hold; read by stats and invariant checks under the lock.
struct BuddyState {
  std::array<FreeList, NR_ORDERS> lists{};
  std::uint64_t free_frames = 0;
};

class BuddyAllocator {
 public:
  constexpr BuddyAllocator() = default;

  // Empties the lists and records `usable` (see UsableRanges::assign). Returns false if
  // there are too many ranges.
  bool reset(std::span<const PhysRange> usable, Paddr limit) TA_EXCL(lock_);
  const UsableRanges& usable() const { return usable_; }

  // Takes every run of UNUSED frames in the usable ranges. Returns the frames taken; work
  // is one slot read and write per frame plus O(blocks × MAX_ORDER).
  // Blocks whose slots are not written yet (mm/meta/meta_geometry.h, slot_is_written) are
  // skipped: deferred metadata init adds them later (add_free_run_to_allocator).
  std::uint64_t adopt_unused_frames() TA_EXCL(lock_);


  // The head index of a block of 2^order frames, split from the smallest larger block if
  // needed; nullopt if no block of order ≥ `order` is free. The head is FREE (in transit)
  // and the other frames TAILs: the caller owns the block.
  std::optional<std::uint64_t> alloc_block(unsigned order) TA_EXCL(lock_);
  // Up to out.size() blocks of `order` under one lock acquisition; returns how many.
  std::size_t alloc_blocks(unsigned order, std::span<std::uint64_t> out) TA_EXCL(lock_);

  // Takes back blocks of `order` that the caller owns (heads FREE or busy, other frames
  // TAILs), coalescing each.
  void free_blocks(unsigned order, std::span<const std::uint64_t> heads) TA_EXCL(lock_);
  // Takes back frames [first, first + n), owned by the caller and all TAILs but `first`
  // (FREE or busy), as maximal aligned blocks, coalescing each.
  void free_range(std::uint64_t first, std::uint64_t n) TA_EXCL(lock_);

  // For the ktest runner after it longjmped out of a test (kernel/ktest): whether the lock
  // is held, and dropping it when the holder's frame is gone. Nothing else may use these.
  bool lock_held_for_recovery() const { return lock_.is_locked(); }
  void force_unlock_for_recovery() {
    lock_.unlock_abandoned();
    lock_order::forget_this_cpus_locks();
  }

  // Runs fn(const BuddyState&) under the lock (stats, invariant checks).
  template <typename Fn>
  decltype(auto) inspect(Fn&& fn) const TA_EXCL(lock_) {
    keel::sync::SpinLockGuard guard(lock_);
    return fn(static_cast<const BuddyState&>(state_));
  }

 private:
  std::optional<std::uint64_t> alloc_block_locked(unsigned order) TA_REQ(lock_);
  void free_block_locked(std::uint64_t index, unsigned order) TA_REQ(lock_);
  void free_range_locked(std::uint64_t first, std::uint64_t n) TA_REQ(lock_);

  mutable keel::sync::BasicSpinLock<lock_order::BuddyLockOrder> lock_;
  BuddyState state_ TA_GUARDED(lock_);
  UsableRanges usable_;  // written by reset() only, before the allocator is shared
};

}  // namespace mm::allocator
