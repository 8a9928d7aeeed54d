// Starting the application processors: INIT-SIPI-SIPI through the real-mode trampoline
// (trampoline.S) at 0x8000, inside the [0, 1 MiB) keel reserves from the allocator
// (mm/memmap/reservation.h), so no frame there is ever handed out.
#pragma once

#include <atomic>
#include <cstdint>

#include "arch/x86_64/acpi/madt.h"

namespace fmt {
class Sink;
}  // namespace fmt

namespace arch::smp {

enum class ApStartError : std::uint8_t {
  AlreadyOnline,  // the APIC ID is an online CPU (starting it again would INIT it)
  NoIndexLeft,    // MAX_CPUS CPUs are online
  NoStackMemory,  // the allocator had no 16 contiguous frames for its stacks
  NoAnswer,       // it did not reach ap_entry within the time limit (TSC-bounded)
};
const char* ap_start_error_name(ApStartError error);

// Starts the CPU with `apic_id` and waits (bounded by the TSC) until it runs keel's idle
// loop with its own per-CPU data, GDT/TSS, IDT and local APIC; it then counts in
// `online` (its index is the old count). Boot CPU only, one start at a time.
ApStartError start_ap(std::uint32_t apic_id, std::atomic<unsigned>& online);
inline constexpr ApStartError AP_STARTED = static_cast<ApStartError>(0xff);

// Every enabled CPU of the MADT except this one. Prints one line per CPU that did not
// start (APIC ID and why) to `sink`; returns how many did not.
unsigned start_aps(const acpi::Madt& madt, std::atomic<unsigned>& online, fmt::Sink& sink);

}  // namespace arch::smp
