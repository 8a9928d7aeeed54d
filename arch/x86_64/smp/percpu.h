// Per-CPU data, reached through the GS base: each CPU's IA32_GS_BASE points at its own
// PerCpu, so "which CPU am I" is one `mov %gs:offset` with no table lookup.
#pragma once

#include <cstddef>
#include <cstdint>

#include "mm/hal.h"

namespace arch::smp {

struct PerCpu {
  PerCpu* self = nullptr;   // for reaching the whole struct from %gs:0
  std::uint32_t index = 0;  // dense, in online order; the boot CPU is 0
  std::uint32_t apic_id = 0;
  bool online = false;
  // An AP's lowest stack guard page (arch/x86_64/smp/ap_stacks.h); 0 on the boot CPU,
  // whose stacks are in the kernel image.
  std::uint64_t stack_guard = 0;
};
inline constexpr std::size_t PERCPU_SELF_OFFSET = 0;
inline constexpr std::size_t PERCPU_INDEX_OFFSET = 8;
static_assert(offsetof(PerCpu, self) == PERCPU_SELF_OFFSET);
static_assert(offsetof(PerCpu, index) == PERCPU_INDEX_OFFSET);

// The slot for CPU `index` (< mm::hal::MAX_CPUS).
PerCpu& percpu(unsigned index);

// Points this CPU's GS base at percpu(index) and fills in index and apic_id. Call once per
// CPU with interrupts disabled, after its GDT is loaded (loading a GS selector may clear
// the base). The boot CPU calls it with index 0 before anything asks current_cpu().
void init_this_cpu(unsigned index, std::uint32_t apic_id);

// This CPU's index: one GS-relative load.
inline unsigned this_cpu_index() {
  std::uint32_t index;
  asm volatile("movl %%gs:%c1, %0" : "=r"(index) : "i"(PERCPU_INDEX_OFFSET));
  return index;
}

}  // namespace arch::smp
