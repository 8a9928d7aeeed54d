#include "mm/allocator/frame_allocator.h"

#include <bit>
#include <cstring>

#include "mm/allocator/buddy.h"
#include "mm/allocator/global.h"
#include "mm/allocator/per_cpu_cache.h"
#include "mm/allocator/stats.h"
#include "mm/frame/assert_fmt.h"
#include "mm/frame/frame_dealloc.h"
#include "mm/frame/meta_bounds.h"
#include "mm/hal.h"

namespace mm {
namespace allocator_detail {
namespace {

constinit BuddyAllocator g_buddy;

AllocError out_of_memory(std::uint64_t nframes, std::uint64_t align_frames) {
  const AllocatorStats stats = allocator_stats();
  return AllocError{.requested_frames = nframes,
                    .align_frames = align_frames,
                    .free_frames = stats.total_free_frames,
                    .largest_free_frames = stats.largest_free_frames()};
}

// A block of `order` from the current CPU's cache (small orders) or the buddy lists. If
// that fails, the CPU's cached blocks go back to the lists (to coalesce) and it tries once
// more. (Other CPUs' caches are not raided.)
std::optional<std::uint64_t> take_block(unsigned order) {
  hal::InterruptGuard irq;
  PerCpuCache& cache = cpu_cache(hal::current_cpu());
  auto try_once = [&]() -> std::optional<std::uint64_t> {
    return order <= CACHED_MAX_ORDER ? cache.pop(order, g_buddy) : g_buddy.alloc_block(order);
  };
  if (auto head = try_once()) [[likely]] return head;
  cache.drain(g_buddy);
  return try_once();
}

}  // namespace

BuddyAllocator& global_buddy() { return g_buddy; }

std::expected<Paddr, AllocError> take_frames(std::uint64_t nframes, std::uint64_t align_frames,
                                             bool zeroed) {
  KREQUIRES(nframes >= 1 && std::has_single_bit(align_frames));
  const std::uint64_t block_frames = nframes > align_frames ? nframes : align_frames;
  if (block_frames > order_frames(MAX_ORDER)) return std::unexpected(out_of_memory(nframes, align_frames));
  const unsigned order = order_for_frames(block_frames);
  const auto head = take_block(order);
  if (!head) [[unlikely]] return std::unexpected(out_of_memory(nframes, align_frames));
  // Give back the tail the request does not need (it splits into aligned blocks).
  if (nframes < order_frames(order)) g_buddy.free_range(*head + nframes, order_frames(order) - nframes);
  const Paddr pa = *head * PAGE_SIZE;
  if (zeroed) std::memset(hal::phys_to_virt(pa), 0, nframes * PAGE_SIZE);
  return pa;
}

void report_claim_failure(Paddr pa, GetFrameError error) {
  keel::contract_violation_fmt("assertion", "claim of a freshly allocated frame",
                               std::source_location::current(),
                               "frame {:#x} left the allocator but could not be claimed ({}): "
                               "from_unused was used on a frame the caller did not own",
                               pa, error);
}

}  // namespace allocator_detail

using allocator_detail::g_buddy;

std::expected<AllocatorInitSummary, AllocInitError> init_frame_allocator(
    std::span<const PhysRange> usable) {
  for (unsigned cpu = 0; cpu < hal::MAX_CPUS; ++cpu) cpu_cache(cpu).clear();
  if (!g_buddy.reset(usable, g_max_paddr)) return std::unexpected(AllocInitError::TooManyRanges);
  const std::uint64_t taken = g_buddy.adopt_unused_frames();
  return AllocatorInitSummary{.usable_frames = g_buddy.usable().total_frames(),
                              .free_frames = taken,
                              .ranges = g_buddy.usable().spans().size()};
}

void drain_cpu_cache() {
  hal::InterruptGuard irq;
  cpu_cache(hal::current_cpu()).drain(g_buddy);
}

void return_frames_to_allocator(Paddr pa, std::uint64_t nframes) {
  KASSERT_FMT(is_page_aligned(pa) && nframes > 0, "bad free of {} frame(s) at {:#x}", nframes, pa);
  std::uint64_t first = pa / PAGE_SIZE;
  KASSERT_FMT(g_buddy.usable().contains(first, nframes),
              "freeing reserved frame(s) [{:#x}, {:#x}): outside the usable ranges", pa,
              pa + nframes * PAGE_SIZE);
  for (std::uint64_t i = first; i < first + nframes; ++i) {
    const MetaSlot& slot = slot_at(i);
    const std::uint64_t count = slot.ref_count.load(std::memory_order_relaxed);
    KASSERT_FMT(count == REF_COUNT_UNUSED,
                "freeing frame {:#x} that is still referenced (count {:#x}): mapped or held",
                i * PAGE_SIZE, count);
    const std::uint64_t list = slot.in_list.load(std::memory_order_relaxed);
    KASSERT_FMT(list == 0, "double free of frame {:#x}: it is already free (list {:#x})",
                i * PAGE_SIZE, list);
  }
  hal::InterruptGuard irq;
  PerCpuCache& cache = cpu_cache(hal::current_cpu());
  if (nframes == 1) [[likely]] {
    cache.push(0, first, g_buddy);
    return;
  }
  while (nframes > 0) {
    const unsigned order = max_block_order(first, nframes);
    if (order <= CACHED_MAX_ORDER) cache.push(order, first, g_buddy);
    else g_buddy.free_range(first, order_frames(order));
    first += order_frames(order);
    nframes -= order_frames(order);
  }
}

}  // namespace mm
