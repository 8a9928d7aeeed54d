#include "mm/allocator/per_cpu_cache.h"

#include <algorithm>
#include <span>

namespace mm::allocator {
std::uint32_t PerCpuCache::refill(unsigned order, BuddyAllocator& buddy) {
  OrderCache& cache = orders_[order];
  const std::size_t got = buddy.alloc_blocks(order, std::span(cache.heads.data(), CACHE_BATCH));
  for (std::size_t i = 0; i < got; ++i) {
    frame::slot::make_free_head(slot_at(cache.heads[i]), frame::slot::FreeWhere::CpuCache, order);
  }
  cache.count.store(static_cast<std::uint32_t>(got), std::memory_order_relaxed);
  return static_cast<std::uint32_t>(got);
}

std::uint32_t PerCpuCache::drain_oldest(unsigned order, BuddyAllocator& buddy) {
  OrderCache& cache = orders_[order];
  const std::uint32_t count = cache.count.load(std::memory_order_relaxed);
  const std::size_t n = std::min<std::size_t>(CACHE_BATCH, count);
  buddy.free_blocks(order, std::span<const std::uint64_t>(cache.heads.data(), n));
  std::copy(cache.heads.begin() + n, cache.heads.begin() + count, cache.heads.begin());
  const auto left = static_cast<std::uint32_t>(count - n);
  cache.count.store(left, std::memory_order_relaxed);
  return left;
}

void PerCpuCache::drain(BuddyAllocator& buddy) {
  for (unsigned order = 0; order <= CACHED_MAX_ORDER; ++order) {
    while (cached_blocks(order) > 0) drain_oldest(order, buddy);
  }
}

}  // namespace mm::allocator
