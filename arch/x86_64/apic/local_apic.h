// The local APIC of the running CPU: xAPIC (MMIO through the linear map, mapped uncached
// by mm init) or x2APIC (MSRs, used whenever the CPU has it). Interrupt vectors keel
// uses, end-of-interrupt, and IPIs.
#pragma once

#include <cstdint>

namespace arch::apic {

// Vectors, highest priority last. The spurious vector's low nibble is 0xf, as the xAPIC
// requires on older CPUs.
inline constexpr std::uint8_t VECTOR_CALL_FUNCTION = 0xf0;  // cross-CPU calls (smp.h)
inline constexpr std::uint8_t VECTOR_TEST = 0xf8;           // ktests only
inline constexpr std::uint8_t VECTOR_ERROR = 0xfe;
inline constexpr std::uint8_t VECTOR_SPURIOUS = 0xff;

enum class Mode : std::uint8_t { None, XApic, X2Apic };

// The physical base of the xAPIC MMIO page (IA32_APIC_BASE), or 0 when the CPU has no
// APIC. mm init maps this page uncached in the linear map.
std::uint64_t xapic_mmio_paddr();

// Enables this CPU's local APIC: x2APIC mode when the CPU supports it, else xAPIC. Masks
// the timer and LINT0 (the legacy PIC is masked too), accepts every priority (TPR 0),
// installs the spurious and error vectors. The boot CPU calls it first (it also installs
// the shared handlers); each AP calls it during bring-up. Returns the mode, None if the
// CPU has no local APIC (keel then runs on the boot CPU alone).
Mode init_this_cpu();
Mode mode();

// This CPU's APIC ID (32 bits in x2APIC mode, 8 in xAPIC mode).
std::uint32_t this_apic_id();
// The APIC ID CPUID reports for this CPU (leaf 0xb when present, else leaf 1), usable
// before the APIC is enabled.
std::uint32_t cpuid_apic_id();

void end_of_interrupt();

// Fixed-vector IPIs. They return once the APIC accepted the command (xAPIC: delivery
// status idle), not when the target ran the handler.
void send_ipi(std::uint32_t apic_id, std::uint8_t vector);
void send_ipi_all_but_self(std::uint8_t vector);
// An NMI to every other CPU: it arrives even with their interrupts disabled (a final panic
// stops the others with it).
void send_nmi_all_but_self();
void send_ipi_self(std::uint8_t vector);

// The INIT-SIPI-SIPI steps of AP start-up (Intel SDM vol. 3, 9.4.4.1). `page` is the
// 4 KiB page number (< 0x100) of the real-mode trampoline.
void send_init(std::uint32_t apic_id);
void send_startup(std::uint32_t apic_id, std::uint8_t page);

// Errors the APIC reported (ESR) since boot, and how many spurious interrupts arrived.
std::uint64_t error_interrupts();
std::uint64_t spurious_interrupts();

}  // namespace arch::apic
