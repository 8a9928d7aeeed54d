// Brings up memory management at boot, in order: sanitize the firmware map, reserve what
// the kernel and loader occupy, plan and back the frame metadata region, initialize every
// slot, then hand the free frames to the buddy allocator. Any failure panics with the
// reason: keel cannot run with a memory map it does not trust.
#pragma once

#include "boot/boot_info.h"
#include "kernel/boot_world.h"
#include "lib/fmt/format.h"

namespace kernel::mm_init {

// Returns memory init's figures, which kernel init installs in the boot world
// (kernel/boot_world.h) for the ktests and kbenchs. `allow_1g_pages` false (the `no1gb`
// key) forces 2 MiB pages for the linear map.
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

// The `mm.check` walks: metadata and allocator invariants. Prints the outcome.
bool check_memory_invariants(keel::fmt::Sink& sink);

}  // namespace kernel::mm_init
