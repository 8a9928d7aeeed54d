// The kernel's GDT and TSS. Replaces the boot GDT once the kernel runs in the higher half.
#pragma once

#include <cstdint>

namespace arch {

// Selector values. The user pair is laid out for a future SYSRET (STAR[63:48] = 0x10:
// SS = 0x18|3, CS = 0x20|3); SYSCALL uses STAR[47:32] = KERNEL_CS (SS = KERNEL_DS).
inline constexpr std::uint16_t KERNEL_CS = 0x08;
inline constexpr std::uint16_t KERNEL_DS = 0x10;
inline constexpr std::uint16_t USER_DS = 0x18 | 3;
inline constexpr std::uint16_t USER_CS = 0x20 | 3;
inline constexpr std::uint16_t TSS_SELECTOR = 0x28;

// Interrupt-stack-table slots (1-based, as in the IDT gate's IST field). These handlers
// get a known-good stack even when the kernel stack is exhausted or corrupt.
inline constexpr std::uint8_t IST_DOUBLE_FAULT = 1;
inline constexpr std::uint8_t IST_NMI = 2;
inline constexpr std::uint8_t IST_MACHINE_CHECK = 3;
inline constexpr std::uint64_t IST_STACK_SIZE = 16 * 1024;
inline constexpr std::uint64_t IST_GUARD_SIZE = 4096;  // one unmapped page below each

// Builds the GDT and TSS, loads GDTR, reloads CS (far return), DS/ES/SS, zeroes FS/GS and
// loads TR. Call once per CPU with interrupts disabled (boot CPU only until SMP).
// While the boot page tables are live it also unmaps the guard page below each IST stack.
void init_gdt_and_tss();

// The same for application processor `cpu` (1..MAX_CPUS-1): its own GDT and TSS, with
// IST stack tops `ist_tops` (slots 1..3). Call on that CPU with interrupts disabled.
void init_gdt_and_tss_for_ap(unsigned cpu, const std::uint64_t (&ist_tops)[3]);

// [lo, hi) of IST stack `slot` (1..3), for backtrace bounds and guard-page setup.
struct StackRange {
  std::uint64_t lo, hi;
};
StackRange ist_stack(std::uint8_t slot);
// The unmapped page right below IST stack `slot` (1..3); an overflow of that stack faults.
StackRange ist_guard_page(std::uint8_t slot);

}  // namespace arch
