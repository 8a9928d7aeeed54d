#include "mm/allocator/stats.h"

#include "mm/allocator/global.h"
#include "mm/hal.h"

namespace mm::allocator {

AllocatorStats allocator_stats() {
  AllocatorStats stats;
  detail::global_buddy().inspect([&](const BuddyState& state) {
    for (unsigned o = 0; o < NR_ORDERS; ++o) {
      stats.free_blocks[o] = state.lists[o].size();
      if (!state.lists[o].empty()) stats.largest_free_order = static_cast<int>(o);
    }
    stats.listed_frames = state.free_frames;
  });
  for (unsigned cpu = 0; cpu < hal::cpu_count(); ++cpu) {
    const PerCpuCache& cache = cpu_cache(cpu);
    for (unsigned o = 0; o <= CACHED_MAX_ORDER; ++o) stats.cached_blocks[o] += cache.cached_blocks(o);
    stats.cached_frames += cache.cached_frames();
  }
  stats.total_free_frames = stats.listed_frames + stats.cached_frames;
  stats.usable_frames = detail::global_buddy().usable().total_frames();
  return stats;
}

bool buddy_lock_held() { return detail::global_buddy().lock_held_for_recovery(); }
void force_unlock_buddy_after_recovery() { detail::global_buddy().force_unlock_for_recovery(); }

void format_value(keel::fmt::Sink& sink, const keel::fmt::Spec&, const AllocatorStats& s) {
  keel::fmt::print(sink, "frame allocator: {} of {} frames free ({} of {}); {} in per-CPU caches\n",
             s.total_free_frames, s.usable_frames, keel::fmt::HumanBytes{s.total_free_frames * PAGE_SIZE},
             keel::fmt::HumanBytes{s.usable_frames * PAGE_SIZE}, s.cached_frames);
  keel::fmt::print(sink, "  largest free block: order {} ({})\n", s.largest_free_order,
             keel::fmt::HumanBytes{s.largest_free_frames() * PAGE_SIZE});
  for (unsigned o = 0; o < NR_ORDERS; ++o) {
    const std::uint64_t cached = o <= CACHED_MAX_ORDER ? s.cached_blocks[o] : 0;
    if (s.free_blocks[o] == 0 && cached == 0) continue;
    keel::fmt::print(sink, "  order {:>2} ({:>8}): {:>8} free blocks, {:>4} cached\n", o,
               keel::fmt::HumanBytes{order_frames(o) * PAGE_SIZE}, s.free_blocks[o], cached);
  }
}

void print_stats(keel::fmt::Sink& sink) { keel::fmt::print(sink, "{}", allocator_stats()); }

}  // namespace mm::allocator
