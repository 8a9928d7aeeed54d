#include "mm/allocator/frame_allocator.h"

#include <bit>
#include <cstring>

#include "mm/allocator/buddy.h"
#include "mm/allocator/global.h"
#include "mm/allocator/per_cpu_cache.h"
#include "mm/allocator/stats.h"
#include "lib/contract/assert_fmt.h"
#include "mm/linear_map.h"
#include "mm/meta/meta_geometry.h"
#include "mm/frame/frame_dealloc.h"
#include "mm/hal.h"
#include "lib/expected/try.h"

namespace mm::allocator {
namespace detail {
namespace {

constinit BuddyAllocator g_buddy;

// Hands a block the caller owns to this CPU's cache (small orders) or the buddy lists.
void give_back_block(std::uint64_t head, unsigned order) {
  if (order <= CACHED_MAX_ORDER) [[likely]] {
    const CacheSection section;
    PerCpuCache& cache = cpu_cache(hal::current_cpu());
    if (!cache.try_push(order, head)) [[unlikely]] cache.push(order, head, g_buddy);
    return;
  }
  g_buddy.free_blocks(order, std::span<const std::uint64_t>(&head, 1));
}

// Gives back frames [first, first + n) that the caller owns and holds busy, one block at a
// time: each block's non-head frames become TAILs first.
void give_back_busy_run(std::uint64_t first, std::uint64_t n) {
  while (n > 0) {
    const unsigned order = max_block_order(first, n);
    for (std::uint64_t i = first + 1; i < first + order_frames(order); ++i) frame::slot::make_tail(slot_at(i));
    give_back_block(first, order);
    first += order_frames(order);
    n -= order_frames(order);
  }
}

void require_usable(std::uint64_t first, std::uint64_t nframes) {
  KASSERT_FMT(g_buddy.usable().contains(first, nframes),
              "freeing reserved frame(s) [{:#x}, {:#x}): outside the usable ranges",
              first * PAGE_SIZE, (first + nframes) * PAGE_SIZE);
}

}  // namespace

BuddyAllocator& global_buddy() { return g_buddy; }

AllocError out_of_memory(std::uint64_t nframes, std::uint64_t align_frames) {
  const AllocatorStats stats = allocator_stats();
  return AllocError{.requested_frames = nframes,
                    .align_frames = align_frames,
                    .free_frames = stats.total_free_frames,
                    .largest_free_frames = stats.largest_free_frames()};
}

namespace {

// Runs on each other CPU through hal::run_on_other_cpus (interrupts off there): that CPU
// gives its own cached blocks back, so no cache is ever touched by a CPU that does not own it.
void drain_this_cpu_cache(void*) {
  assert_in_cache_section();
  cpu_cache(hal::current_cpu()).drain(g_buddy);
}

std::optional<std::uint64_t> take_block_once(PerCpuCache& cache, unsigned order)
    TA_REQ(this_cpu_irqs_off) {
  return order <= CACHED_MAX_ORDER ? cache.pop(order, g_buddy) : g_buddy.alloc_block(order);
}

// This CPU's cache, or the buddy lists; failing that, this CPU's cached blocks go back to
// the lists (to coalesce) and it tries once more.
std::optional<std::uint64_t> take_block_local(unsigned order) {
  const CacheSection section;
  PerCpuCache& cache = cpu_cache(hal::current_cpu());
  if (auto head = take_block_once(cache, order)) [[likely]] return head;
  cache.drain(g_buddy);
  return take_block_once(cache, order);
}

}  // namespace

// Out-of-memory is reported only after every CPU's cache has been given back: the blocks
// other CPUs hold may be what the request needs (or may coalesce into it). Reaching them
// takes a cross-CPU call, which needs interrupts enabled (hal::run_on_other_cpus); with
// interrupts disabled by the caller only this CPU's cache is drained before failing.
std::optional<std::uint64_t> take_block_slow(unsigned order) {
  if (auto head = take_block_local(order)) [[likely]] return head;
  if (hal::cpu_count() == 1 || !hal::irqs_enabled()) return std::nullopt;
  hal::run_on_other_cpus(&drain_this_cpu_cache, nullptr);
  return take_block_local(order);
}

[[nodiscard]] std::expected<std::uint64_t, AllocError> take_run(std::uint64_t nframes,
                                                  std::uint64_t align_frames) {
  KREQUIRES(nframes >= 1 && std::has_single_bit(align_frames));
  const std::uint64_t block_frames = nframes > align_frames ? nframes : align_frames;
  if (block_frames > order_frames(MAX_ORDER)) return std::unexpected(out_of_memory(nframes, align_frames));
  const unsigned order = order_for_frames(block_frames);
  const auto head = take_block(order);
  if (!head) [[unlikely]] return std::unexpected(out_of_memory(nframes, align_frames));
  // Give back the part the request does not need: its frames are TAILs, and free_range
  // makes the head of each aligned block it splits into FREE.
  if (nframes < order_frames(order)) g_buddy.free_range(*head + nframes, order_frames(order) - nframes);
  return *head;
}

void zero_frames(std::uint64_t first, std::uint64_t nframes) {
  std::memset(phys_to_virt(first * PAGE_SIZE), 0, nframes * PAGE_SIZE);
}

[[nodiscard]] std::expected<Paddr, AllocError> take_frames(std::uint64_t nframes, std::uint64_t align_frames,
                                             bool zeroed) {
  const std::uint64_t first = TRY(take_run(nframes, align_frames));
  if (zeroed) zero_frames(first, nframes);
  for (std::uint64_t i = first; i < first + nframes; ++i) frame::slot::make_unused(slot_at(i));
  return first * PAGE_SIZE;
}

}  // namespace detail

using detail::g_buddy;

[[nodiscard]] std::expected<AllocatorInitSummary, AllocInitError> init_frame_allocator(
    std::span<const PhysRange> usable) {
  for (unsigned cpu = 0; cpu < hal::MAX_CPUS; ++cpu) cpu_cache(cpu).clear();
  if (!g_buddy.reset(usable, meta::meta_geometry().covered_end)) return std::unexpected(AllocInitError::TooManyRanges);
  const std::uint64_t taken = g_buddy.adopt_unused_frames();
  return AllocatorInitSummary{.usable_frames = g_buddy.usable().total_frames(),
                              .free_frames = taken,
                              .ranges = g_buddy.usable().spans().size()};
}

void add_free_run_to_allocator(std::uint64_t first, std::uint64_t n) {
  KREQUIRES(n > 0);
  detail::require_usable(first, n);
  g_buddy.free_range(first, n);
}

void drain_cpu_cache() {
  const CacheSection section;
  cpu_cache(hal::current_cpu()).drain(g_buddy);
}

void drain_every_cpu_cache() {
  drain_cpu_cache();
  hal::run_on_other_cpus(&detail::drain_this_cpu_cache, nullptr);
}

namespace {

[[noreturn, gnu::cold]] void report_reserved_free(const meta::MetaSlot& slot) {
  keel::contract::violation_fmt("assertion", "word & RETURNS_TO_ALLOCATOR",
                               std::source_location::current(),
                               "freeing reserved frame {:#x}: it did not come from the allocator",
                               meta::meta_to_frame(&slot));
}

}  // namespace

void return_frames_to_allocator(Paddr pa, std::uint64_t nframes) {
  KASSERT_FMT(is_page_aligned(pa) && nframes > 0, "bad free of {} frame(s) at {:#x}", nframes, pa);
  const std::uint64_t first = pa / PAGE_SIZE;
  detail::require_usable(first, nframes);
  // Check every frame before changing any, so a refused free changes nothing.
  for (std::uint64_t i = first; i < first + nframes; ++i) {
    const meta::MetaSlot& slot = slot_at(i);
    const std::uint64_t count = slot.ref_count.load(std::memory_order_relaxed);
    KASSERT_FMT(count == meta::REF_COUNT_UNUSED, "{} of frame {:#x}: it is {}",
                count == meta::REF_COUNT_FREE || count == meta::REF_COUNT_TAIL ? "double free" : "bad free",
                i * PAGE_SIZE, frame::slot::StateOf{slot, count});
  }
  // Then take each one over with the one atomic step that decides (another CPU may race
  // us for an UNUSED frame with from_unused).
  for (std::uint64_t i = first; i < first + nframes; ++i) {
    meta::MetaSlot& slot = slot_at(i);
    const auto claimed = frame::slot::claim_unused(slot);
    KASSERT_FMT(claimed.has_value(), "free of frame {:#x} raced a claim of it ({})",
                i * PAGE_SIZE, claimed.error());
  }
  detail::give_back_busy_run(first, nframes);
}

}  // namespace mm::allocator

// The frame layer's give-back hooks (mm/frame/frame_dealloc.h), defined by the allocator.
namespace mm::frame {

void return_block_to_allocator(meta::MetaSlot& head, unsigned order) {
  if ((head.block.load(std::memory_order_relaxed) & slot::RETURNS_TO_ALLOCATOR) == 0) [[unlikely]] {
    allocator::report_reserved_free(head);
  }
  allocator::detail::give_back_block(meta::frame_to_index(meta::meta_to_frame(&head)), order);
}

void return_busy_frames_to_allocator(Paddr pa, std::uint64_t nframes) {
  const std::uint64_t first = meta::frame_to_index(pa);
  for (std::uint64_t i = first; i < first + nframes; ++i) {
    const meta::MetaSlot& slot = allocator::slot_at(i);
    if ((slot.block.load(std::memory_order_relaxed) & slot::RETURNS_TO_ALLOCATOR) == 0) [[unlikely]] {
      allocator::report_reserved_free(slot);
    }
  }
  allocator::detail::give_back_busy_run(first, nframes);
}

}  // namespace mm::frame
