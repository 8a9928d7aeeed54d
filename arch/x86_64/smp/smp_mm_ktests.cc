// Memory management across CPUs on the running machine: frames freed into one CPU's cache
// reached by another, an alloc/free/clone storm on every other CPU at once, and a TLB
// shootdown proven by a fault on the other CPUs (not assumed). Skipped, with the reason,
// on one CPU.
#define KTEST_SUITE "arch.x86_64.smp"
#include <array>
#include <atomic>
#include <cstdint>
#include <optional>

#include "arch/x86_64/fault_probe.h"
#include "kernel/ktest/ktest.h"
#include "mm/allocator/frame_allocator.h"
#include "mm/allocator/invariants.h"
#include "mm/allocator/invariants_ktest.h"
#include "mm/allocator/stats.h"
#include "mm/frame/frame.h"
#include "mm/hal.h"
#include "mm/kspace/kernel_space.h"
#include "mm/layout.h"
#include "mm/linear_map.h"

namespace arch::smp {
namespace {

using mm::Paddr;
using mm::PAGE_SIZE;
using mm::Vaddr;

constexpr mm::page_table::PageProperty RW{mm::page_table::PageFlags::RW, mm::page_table::CachePolicy::Writeback, false, true};

bool skip_on_one_cpu(kernel::ktest::Context& ctx) {
  if (mm::hal::cpu_count() > 1) return false;
  ctx.skip("one CPU online");
  return true;
}

std::uint64_t free_frames_everywhere() {
  mm::allocator::drain_every_cpu_cache();
  return mm::allocator::allocator_stats().total_free_frames;
}

// ---- A frame freed on one CPU is reached from another ----------------------------------

struct CachedOnCpu1 {
  Paddr pa = 0;
  bool ok = false;
};

// On CPU 1: allocates a frame and frees it, so it sits in CPU 1's cache.
void free_into_cpu1_cache(void* arg) {
  if (mm::hal::current_cpu() != 1) return;
  auto& out = *static_cast<CachedOnCpu1*>(arg);
  auto frame = mm::allocator::alloc_frame(mm::frame::UntypedMeta{}, {.zeroed = false});
  if (!frame) return;
  out.pa = frame->paddr();
  out.ok = true;
}

constexpr std::size_t MAX_HELD = 8192;
// Held as raw ranges (Segment::into_raw): a global of handles would need a destructor.
constinit std::array<mm::PhysRange, MAX_HELD> g_held{};

mm::frame::UntypedMeta untyped(Paddr) { return {}; }

// Every free frame, the largest listed block first: the last ones come out of the caches,
// this CPU's and then (out of memory in the lists) the other CPUs', which the allocator
// drains through a cross-CPU call before it reports out-of-memory.
KTEST(frame_freed_into_one_cpus_cache_is_allocated_by_another) {
  if (skip_on_one_cpu(ktest_ctx)) return;
  const std::uint64_t free_before = free_frames_everywhere();
  CachedOnCpu1 cached;
  mm::hal::run_on_other_cpus(&free_into_cpu1_cache, &cached);
  KTEST_ASSERT_TRUE(cached.ok);
  KEXPECT_GT(mm::allocator::allocator_stats().cached_frames, 0u);

  std::size_t held = 0;
  bool found = false;
  bool oom = false;
  while (held < MAX_HELD) {
    const int largest = mm::allocator::allocator_stats().largest_free_order;
    const unsigned order = largest > 0 ? static_cast<unsigned>(largest) : 0;
    auto block =
        mm::allocator::alloc_block<mm::frame::UntypedMeta>(order, untyped, {.zeroed = false});
    if (!block) {
      // Out of memory with nothing left anywhere: every cache was drained first.
      oom = block.error().free_frames == 0;
      if (!oom) ktest_ctx.print_diagnostic("{}", block.error());
      break;
    }
    const Paddr start = block->paddr();
    if (cached.pa >= start && cached.pa < start + block->nframes() * PAGE_SIZE) found = true;
    g_held[held++] = std::move(*block).into_raw();
  }
  KEXPECT_TRUE(oom);
  KEXPECT_TRUE(found);
  ktest_ctx.print_diagnostic("{} blocks held; frame {:#x} freed on CPU 1 {}", held, cached.pa,
                             found ? "was handed out here" : "was NOT reached");
  for (std::size_t i = 0; i < held; ++i)
    mm::frame::Segment<mm::frame::UntypedMeta>::from_raw(g_held[i]);
  KEXPECT_EQ(free_frames_everywhere(), free_before);
  EXPECT_ALLOCATOR_INVARIANTS();
}

// ---- Every other CPU allocates, clones and frees at once --------------------------------

struct Storm {
  std::atomic<unsigned> failures{0};
  std::atomic<unsigned> cpus{0};
};

// Runs in the cross-CPU call (interrupts off on that CPU, as any code may run): the
// per-CPU cache takes most of it, refills and drains go through the buddy lock that the
// other CPUs contend for.
void alloc_free_clone_storm(void* arg) {
  auto& storm = *static_cast<Storm*>(arg);
  storm.cpus.fetch_add(1, std::memory_order_relaxed);
  constexpr unsigned HELD = 48;  // more than a cache batch: every round refills and drains
  std::array<std::optional<mm::frame::Frame<mm::frame::UntypedMeta>>, HELD> frames{};
  for (unsigned round = 0; round < 40; ++round) {
    for (auto& slot : frames) {
      auto frame = mm::allocator::alloc_frame(mm::frame::UntypedMeta{}, {.zeroed = false});
      if (!frame) {
        storm.failures.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      slot.emplace(std::move(*frame).into_shared());
    }
    for (unsigned i = 0; i + 1 < HELD; i += 2) {
      if (!frames[i]) continue;
      auto copy = *frames[i];  // a clone; the original is dropped first
      frames[i].reset();
      frames[i + 1].reset();
      frames[i].emplace(std::move(copy));
    }
    auto block = mm::allocator::alloc_block<mm::frame::UntypedMeta>(1 + round % 3, untyped,
                                                                    {.zeroed = false});
    if (!block) storm.failures.fetch_add(1, std::memory_order_relaxed);
    for (auto& slot : frames) slot.reset();
  }
}

KTEST(alloc_free_clone_storm_on_every_cpu_keeps_the_totals) {
  if (skip_on_one_cpu(ktest_ctx)) return;
  const std::uint64_t free_before = free_frames_everywhere();
  Storm storm;
  mm::hal::run_on_other_cpus(&alloc_free_clone_storm, &storm);  // all others at once
  KEXPECT_EQ(storm.cpus.load(), mm::hal::cpu_count() - 1);
  alloc_free_clone_storm(&storm);  // and this CPU, against what the others left cached
  KEXPECT_EQ(storm.failures.load(), 0u);
  KEXPECT_EQ(free_frames_everywhere(), free_before);
  EXPECT_ALLOCATOR_INVARIANTS();
}

// ---- Shootdown -----------------------------------------------------------------------------

struct ProbeResult {
  Vaddr va = 0;
  std::uint64_t expected = 0;
  std::atomic<unsigned> read_expected{0};
  std::atomic<unsigned> read_other{0};
  std::atomic<unsigned> faulted{0};
};

void probe_read(void* arg) {
  auto& r = *static_cast<ProbeResult*>(arg);
  std::uint64_t value = 0;
  if (!arch::try_read_u64(r.va, value)) {
    r.faulted.fetch_add(1, std::memory_order_relaxed);
  } else if (value == r.expected) {
    r.read_expected.fetch_add(1, std::memory_order_relaxed);
  } else {
    r.read_other.fetch_add(1, std::memory_order_relaxed);
  }
}

// The other CPUs read a kernel mapping (so their TLBs hold it), this CPU unmaps it, and
// then each of them must fault on it: a CPU whose TLB kept the translation would read the
// freed frame without a fault.
KTEST(unmap_on_one_cpu_faults_on_every_other) {
  if (skip_on_one_cpu(ktest_ctx)) return;
  if (!mm::kspace::kernel_space_ready()) {
    ktest_ctx.skip("no kernel address space");
    return;
  }
  const Vaddr va = mm::layout::KTEST_VA_BASE + 0x7654'3000;
  const std::uint64_t free_before = free_frames_everywhere();
  const unsigned others = mm::hal::cpu_count() - 1;
  ProbeResult before{.va = va, .expected = 0x5eed'0000'0000'0000 | va};
  {
    auto frame = mm::allocator::alloc_frame(mm::frame::UntypedMeta{});
    KTEST_ASSERT_TRUE(frame.has_value());
    *static_cast<volatile std::uint64_t*>(mm::phys_to_virt(frame->paddr())) = before.expected;
    const mm::frame::UFrame shared = std::move(*frame).into_shared();
    const bool mapped = mm::kspace::with_kernel_page_table([&](auto& table) {
      auto cursor = table.cursor_mut(va, PAGE_SIZE);
      return cursor && cursor->map(shared, RW).has_value();
    });
    KTEST_ASSERT_TRUE(mapped);
  }
  mm::hal::run_on_other_cpus(&probe_read, &before);
  KEXPECT_EQ(before.read_expected.load(), others);

  const std::uint64_t unmapped = mm::kspace::with_kernel_page_table([&](auto& table) {
    auto cursor = table.cursor_mut(va, PAGE_SIZE);
    if (!cursor) return std::uint64_t{0};
    return cursor->unmap(PAGE_SIZE).value_or(0);
  });  // the cursor's end sends the shootdown, then frees the frame
  KEXPECT_EQ(unmapped, PAGE_SIZE);

  ProbeResult after{.va = va, .expected = before.expected};
  mm::hal::run_on_other_cpus(&probe_read, &after);
  KEXPECT_EQ(after.faulted.load(), others);
  KEXPECT_EQ(after.read_expected.load() + after.read_other.load(), 0u);
  KEXPECT_EQ(free_frames_everywhere(), free_before);
}

}  // namespace

}  // namespace arch::smp
