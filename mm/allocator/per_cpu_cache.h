// PerCpuCache: each CPU's stash of free blocks of orders 0..CACHED_MAX_ORDER, in front of
// the buddy lock so the common allocation and free take no shared lock. Refills take
// CACHE_BATCH blocks from the buddy under one lock acquisition; a full cache gives its
// CACHE_BATCH oldest blocks back.
//
// Cached block heads are FREE and marked "cpu cache" (mm/frame/slot_ops.h): every claim and
// free path refuses them, and the buddy does not coalesce with them until drained. A
// cached block belongs to its CPU alone, so taking one out and claiming it needs no
// locked instruction.
//
// Callers run with interrupts disabled (hal::InterruptGuard) on the CPU that owns the
// cache, or in a cross-CPU call running on that CPU (drain on out-of-memory). Counters are
// atomics only so stats may read other CPUs' counts. Lock order: mm/allocator/LOCKING.md.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "mm/allocator/buddy.h"
#include "mm/allocator/order.h"
#include "mm/hal.h"
#include "lib/contract/contract.h"
#include "lib/sync/thread_annotations.h"

namespace mm::allocator {

// What guards a CPU's cache, named for clang's thread-safety analysis: that CPU's
// interrupts being disabled (LOCKING.md, 2). A CacheSection holds it (an InterruptGuard);
// code that runs with interrupts off by construction (a cross-CPU call's handler) asserts
// it with assert_in_cache_section(), which also checks the flag.
class TA_CAP("this CPU's interrupts disabled") ThisCpuIrqsOff {};
inline constinit ThisCpuIrqsOff this_cpu_irqs_off;

class TA_SCOPED_CAP CacheSection {
 public:
  CacheSection() TA_ACQ(this_cpu_irqs_off) {}
  ~CacheSection() TA_REL() {}
  CacheSection(const CacheSection&) = delete;
  CacheSection& operator=(const CacheSection&) = delete;

 private:
  hal::InterruptGuard irq_;
};

inline void assert_in_cache_section() TA_ASSERT_CAP(this_cpu_irqs_off) {
  KASSERT(!hal::irqs_enabled());
}

inline constexpr unsigned CACHED_MAX_ORDER = 3;
inline constexpr std::size_t CACHE_CAPACITY = 64;
inline constexpr std::size_t CACHE_BATCH = 32;

class alignas(64) PerCpuCache {
 public:
  constexpr PerCpuCache() = default;

  // A cached block of `order` without refilling: nullopt if there is none. The caller owns
  // the block now. No locked instruction: the cache is this CPU's alone.
  std::optional<std::uint64_t> try_pop(unsigned order) TA_REQ(this_cpu_irqs_off) {
    OrderCache& cache = orders_[order];
    std::uint32_t count = cache.count.load(std::memory_order_relaxed);
    if (count == 0) [[unlikely]] return std::nullopt;
    --count;
    cache.count.store(count, std::memory_order_relaxed);
    return cache.heads[count];
  }

  // Caches a block without draining: false (nothing changed) if the cache is full.
  bool try_push(unsigned order, std::uint64_t head) TA_REQ(this_cpu_irqs_off) {
    OrderCache& cache = orders_[order];
    const std::uint32_t count = cache.count.load(std::memory_order_relaxed);
    if (count == CACHE_CAPACITY) [[unlikely]] return false;
    frame::slot::make_free_head(slot_at(head), frame::slot::FreeWhere::CpuCache, order);
    cache.heads[count] = head;
    cache.count.store(count + 1, std::memory_order_relaxed);
    return true;
  }

  // A block of `order` (≤ CACHED_MAX_ORDER), refilling from `buddy` if empty. The caller
  // owns the block now (its head still reads FREE "cpu cache" until the caller claims it).
  std::optional<std::uint64_t> pop(unsigned order, BuddyAllocator& buddy) TA_REQ(this_cpu_irqs_off) {
    OrderCache& cache = orders_[order];
    std::uint32_t count = cache.count.load(std::memory_order_relaxed);
    if (count == 0) [[unlikely]] {
      count = refill(order, buddy);
      if (count == 0) return std::nullopt;
    }
    --count;
    const std::uint64_t head = cache.heads[count];
    cache.count.store(count, std::memory_order_relaxed);
    return head;
  }

  // Caches a block of `order` that the caller owns (head FREE or busy, other frames TAILs).
  void push(unsigned order, std::uint64_t head, BuddyAllocator& buddy) TA_REQ(this_cpu_irqs_off) {
    OrderCache& cache = orders_[order];
    std::uint32_t count = cache.count.load(std::memory_order_relaxed);
    if (count == CACHE_CAPACITY) [[unlikely]] count = drain_oldest(order, buddy);
    frame::slot::make_free_head(slot_at(head), frame::slot::FreeWhere::CpuCache, order);
    cache.heads[count] = head;
    cache.count.store(count + 1, std::memory_order_relaxed);
  }

  // Gives every cached block back to the buddy lists (where they coalesce).
  void drain(BuddyAllocator& buddy) TA_REQ(this_cpu_irqs_off);

  std::uint64_t cached_blocks(unsigned order) const {
    return orders_[order].count.load(std::memory_order_relaxed);
  }
  std::uint64_t cached_frames() const {
    std::uint64_t frames = 0;
    for (unsigned o = 0; o <= CACHED_MAX_ORDER; ++o) frames += cached_blocks(o) * order_frames(o);
    return frames;
  }
  // fn(order, head) for each cached block (quiescent systems: tests, invariant checks).
  template <typename Fn>
  void for_each_block(Fn&& fn) const {
    for (unsigned o = 0; o <= CACHED_MAX_ORDER; ++o) {
      for (std::uint64_t i = 0; i < cached_blocks(o); ++i) fn(o, orders_[o].heads[i]);
    }
  }
  void clear() {
    for (OrderCache& cache : orders_) cache.count.store(0, std::memory_order_relaxed);
  }

 private:
  struct OrderCache {
    std::array<std::uint64_t, CACHE_CAPACITY> heads{};
    std::atomic<std::uint32_t> count{0};
  };

  std::uint32_t refill(unsigned order, BuddyAllocator& buddy) TA_REQ(this_cpu_irqs_off);
  std::uint32_t drain_oldest(unsigned order, BuddyAllocator& buddy) TA_REQ(this_cpu_irqs_off);

  std::array<OrderCache, CACHED_MAX_ORDER + 1> orders_{};
};

namespace detail {
// Every CPU's cache. Reached through cpu_cache() by the CPU that owns it, with interrupts
// off; a constinit array so the fast paths can inline the lookup.
inline constinit std::array<PerCpuCache, hal::MAX_CPUS> g_cpu_caches{};
}  // namespace detail

// The cache of CPU `cpu` (< hal::MAX_CPUS).
inline PerCpuCache& cpu_cache(unsigned cpu) { return detail::g_cpu_caches[cpu]; }

}  // namespace mm::allocator
