// Brings up memory management at boot, in order: sanitize the firmware map, reserve what
// the kernel and loader occupy, plan and back the frame metadata region, initialize every
// slot, then hand the free frames to the buddy allocator. Any failure panics with the
// reason: keel cannot run with a memory map it does not trust.
#pragma once

#include "boot/boot_info.h"
#include "lib/fmt/format.h"

namespace kernel::mm_init {

struct MemoryInitReport {
  std::uint64_t usable_bytes = 0;
  std::uint64_t meta_init_cycles = 0;
  std::uint64_t meta_slots = 0;
  std::uint64_t allocator_init_cycles = 0;
  std::uint64_t kspace_cycles = 0;
};

// `allow_1g_pages` false (the `no1gb` key) forces 2 MiB pages for the linear map.
const MemoryInitReport& init_memory(const boot::BootInfo& info, bool check_invariants,
                                    bool allow_1g_pages);

// Deferred metadata init (mm/meta/deferred_init.h): init_memory writes the first GiB of
// usable RAM's metadata; the rest is written after it by every CPU that calls in.
// init_deferred_memory_on_this_cpu is the idle APs' work (arch::smp::post_to_idle_aps);
// finish_deferred_memory_init is the boot CPU's, after `ready` and before anything that
// needs all of RAM (ktest, kbench): it takes what is left, waits for the other CPUs'
// units and says how it went. With one CPU (smp=off) the boot CPU does it all there.
void init_deferred_memory_on_this_cpu();
void finish_deferred_memory_init(keel::fmt::Sink& sink);

// What init_memory measured, and the BootInfo it was given (for ktests and kbenchs).
// Valid after init_memory.
const MemoryInitReport& memory_init_report();
const boot::BootInfo& boot_info();

// The `mm.check` walks: metadata and allocator invariants. Prints the outcome.
bool check_memory_invariants(keel::fmt::Sink& sink);

}  // namespace kernel::mm_init
