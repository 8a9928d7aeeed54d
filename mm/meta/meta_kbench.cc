// Benchmarks of the frame metadata region (suite mm/meta): the boot-time initialization
// (measured once by mm init; re-running it would wipe every frame's state, so it is
// reported, not repeated) and a slot-fill loop like the one at its heart, re-run on
// scratch memory.
#define KBENCH_SUITE "mm.meta"
#include <cstdint>

#include "kernel/boot_world.h"
#include "kernel/kbench/kbench.h"
#include "mm/allocator/frame_allocator.h"
#include "mm/hal.h"
#include "mm/linear_map.h"
#include "mm/meta/meta_plan.h"
#include "mm/meta/meta_slot.h"

namespace {

// Cycles per GiB of RAM covered, from a figure measured over `slots` frames.
std::uint64_t per_gib(std::uint64_t cycles, std::uint64_t slots) {
  const std::uint64_t mib = slots * mm::PAGE_SIZE >> 20;
  return mib == 0 ? 0 : cycles * 1024 / mib;
}

// The boot measurement, one trivial iteration; the figures are in the counters.
KBENCH(boot_meta_init) {
  const kernel::MemoryInitReport& report = kernel::memory_init_report();
  if (report.meta_slots == 0) return state.skip("mm init did not record a measurement");
  for (auto _ : state) kernel::kbench::clobber_memory();
  state.counters["cycles"] = report.meta_init_cycles;
  state.counters["slots"] = report.meta_slots;
  state.set_figure("cycles_per_GiB");
  state.counters["cycles_per_GiB"] = per_gib(report.meta_init_cycles, report.meta_slots);
}

KBENCH(boot_allocator_init) {
  const kernel::MemoryInitReport& report = kernel::memory_init_report();
  if (report.usable_bytes == 0) return state.skip("mm init did not record a measurement");
  for (auto _ : state) kernel::kbench::clobber_memory();
  state.counters["cycles"] = report.allocator_init_cycles;
  state.counters["usable_MiB"] = report.usable_bytes >> 20;
  state.set_figure("cycles_per_GiB");
  state.counters["cycles_per_GiB"] =
      per_gib(report.allocator_init_cycles, report.usable_bytes / mm::PAGE_SIZE);
}

// The boot's streaming fill (hal::stream_fill_64, the primitive init_meta_region writes
// slots with: non-temporal stores), over one 2 MiB metadata chunk of scratch memory: the
// slots of 128 MiB of RAM.
KBENCH(slot_stream_fill_chunk) {
  auto scratch = mm::allocator::alloc_block<mm::frame::UntypedMeta>(
      9, [](mm::Paddr) { return mm::frame::UntypedMeta{}; }, {.zeroed = false});
  if (!scratch) return state.skip("not enough memory");
  alignas(64) std::uint64_t image[8] = {};
  image[5] = mm::meta::REF_COUNT_UNUSED;  // ref_count, as for a free frame
  auto* const dst = static_cast<std::byte*>(mm::phys_to_virt(scratch->paddr()));
  constexpr std::uint64_t SLOTS = mm::meta::META_CHUNK_SIZE / sizeof(mm::meta::MetaSlot);
  static_assert(sizeof(mm::meta::MetaSlot) == 64);
  for (auto _ : state) {
    mm::hal::stream_fill_64(dst, SLOTS, image);
    kernel::kbench::clobber_memory();
  }
  state.set_items_processed(state.iterations() * SLOTS);
  if (state.iterations() != 0) {
    state.set_figure("cycles_per_GiB");
    state.counters["cycles_per_GiB"] = per_gib(state.timed_cycles() / state.iterations(), SLOTS);
  }
}

}  // namespace
