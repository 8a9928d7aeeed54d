// This CPU's interrupts, as a spinlock needs them. The platform defines these: the kernel
// in arch/x86_64 (cli/sti, pause), host tests in mm/testing/host_hal.cc (threads acting
// as CPUs). mm/hal.h offers the same functions to mm/ as part of its hardware interface.
#pragma once

#include <cstdint>

namespace keel::sync {

// Disables this CPU's interrupts; returns the state for irq_restore.
std::uint64_t irq_save();
// Puts back the state irq_save returned (nested saves restore in reverse order).
void irq_restore(std::uint64_t state);
bool irqs_enabled();
// A spin-wait hint (x86 `pause`).
void cpu_relax();

}  // namespace keel::sync
