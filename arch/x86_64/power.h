// Powering the machine off and rebooting it, the way real firmware expects: ACPI first,
// then the legacy fallbacks. Each step is announced on the console, so a box that does
// not react shows how far keel got. (QEMU's isa-debug-exit is for test results only and
// is not used here.)
#pragma once

namespace arch {

// ACPI S5 (soft off): SLP_TYPa | SLP_EN to PM1a_CNT (and SLP_TYPb to PM1b_CNT when
// present), or SLP_TYPa | SLP_EN to the sleep control register on hardware-reduced ACPI.
// If the machine is still running a second later, says so and halts.
// Requires arch::acpi::init() to have run; without ACPI it only halts.
[[noreturn]] void power_off();

// The FADT reset register (when the FADT supports it), then the 8042 keyboard controller
// (0xFE to port 0x64), then a triple fault (empty IDT + int3). Never returns.
[[noreturn]] void reboot();

}  // namespace arch
