// Allocator statistics: a snapshot of the free lists and the per-CPU caches.
#pragma once

#include <array>
#include <cstdint>

#include "mm/allocator/order.h"
#include "mm/allocator/per_cpu_cache.h"
#include "lib/fmt/format.h"

namespace mm::allocator {

struct AllocatorStats {
  std::array<std::uint64_t, NR_ORDERS> free_blocks{};  // blocks on each global list
  std::uint64_t listed_frames = 0;                      // frames on the global lists
  std::array<std::uint64_t, CACHED_MAX_ORDER + 1> cached_blocks{};  // over all CPUs
  std::uint64_t cached_frames = 0;                      // frames in per-CPU caches
  std::uint64_t total_free_frames = 0;                  // listed + cached
  int largest_free_order = -1;                          // on the global lists; -1: none
  std::uint64_t usable_frames = 0;                      // frames in the usable ranges

  std::uint64_t largest_free_frames() const {
    return largest_free_order < 0 ? 0 : order_frames(static_cast<unsigned>(largest_free_order));
  }
  friend bool operator==(const AllocatorStats&, const AllocatorStats&) = default;
};

// Takes the buddy lock; reads other CPUs' cache counters without their cooperation (exact
// when the system is quiescent, as in tests).
AllocatorStats allocator_stats();

// For a runner that recovers from a panic or fault by longjmp (kernel/ktest): whether the
// buddy lock is held (then allocator_stats would spin forever), and releasing it once its
// holder's stack frame is gone. The interrupt state it saved is lost: interrupts stay off.
bool buddy_lock_held();
void force_unlock_buddy_after_recovery();

void format_value(keel::fmt::Sink& sink, const keel::fmt::Spec& spec, const AllocatorStats& stats);
void print_stats(keel::fmt::Sink& sink);

}  // namespace mm::allocator
