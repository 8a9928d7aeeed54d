// Brings up memory management at boot, in order: sanitize the firmware map, reserve what
// the kernel and loader occupy, plan and back the frame metadata region, initialize every
// slot, then hand the free frames to the buddy allocator. Any failure panics with the
// reason: keel cannot run with a memory map it does not trust.
#pragma once

#include "boot/boot_info.h"
#include "mm/support/format.h"

namespace kernel {

struct MemoryInitReport {
  std::uint64_t usable_bytes = 0;
  std::uint64_t meta_init_cycles = 0;
  std::uint64_t meta_slots = 0;
  std::uint64_t allocator_init_cycles = 0;
};

const MemoryInitReport& init_memory(const boot::BootInfo& info, bool check_invariants);

// The `mm.check` walks: metadata and allocator invariants. Prints the outcome.
bool check_memory_invariants(fmt::Sink& sink);

}  // namespace kernel
