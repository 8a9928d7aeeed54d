// What ktests and kbenchs may know about the boot that brought the kernel up: the loader's
// BootInfo and what memory init measured. Kernel init installs it once, after init_memory
// and before any ktest or kbench runs, so tests read the boot's facts without linking (or
// being able to call) the memory bring-up itself.
#pragma once

#include <cstdint>

#include "boot/boot_info.h"

namespace kernel {

// Memory init's figures (kernel/mm_init fills them in).
struct MemoryInitReport {
  std::uint64_t usable_bytes = 0;
  std::uint64_t meta_init_cycles = 0;
  std::uint64_t meta_slots = 0;
  std::uint64_t allocator_init_cycles = 0;
  std::uint64_t kspace_cycles = 0;
};

struct BootWorld {
  const boot::BootInfo& info;
  MemoryInitReport memory;
};

// Once, from kernel init after init_memory. A second install is a contract violation.
void install_boot_world(const boot::BootInfo& info, const MemoryInitReport& memory);

// The installed world; reading it before install_boot_world is a contract violation.
const BootWorld& boot_world();

inline const boot::BootInfo& boot_info() { return boot_world().info; }
inline const MemoryInitReport& memory_init_report() { return boot_world().memory; }

}  // namespace kernel
