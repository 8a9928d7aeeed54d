// Starting the application processors: INIT-SIPI-SIPI through the real-mode trampoline
// (trampoline.S) at 0x8000, inside the [0, 1 MiB) keel reserves from the allocator
// (mm/memmap/reservation.h), so no frame there is ever handed out.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <span>

#include "arch/x86_64/acpi/madt.h"
#include "lib/fmt/format_fwd.h"

namespace arch::smp {

enum class ApStartError : std::uint8_t {
  AlreadyOnline,  // the APIC ID is an online CPU (starting it again would INIT it)
  NoIndexLeft,    // MAX_CPUS CPUs are online
  NoStackMemory,  // the allocator had no 16 contiguous frames for its stacks
  NoAnswer,       // it did not reach ap_entry within the time limit (TSC-bounded)
  FaultedDuringStart,  // it took an exception in ap_entry before it was up (an ApFault)
};
const char* error_name(ApStartError error);

// What a CPU that faulted during bring-up recorded about it, in its own exception
// handler, before halting for good.
struct ApFault {
  std::uint64_t vector = 0;
  std::uint64_t error_code = 0;  // 0 for vectors without one
  std::uint64_t rip = 0;
  std::uint64_t cr2 = 0;         // as read in the handler; the faulting address for #PF
  std::uint32_t apic_id = 0;     // CPUID's, read on the faulting CPU
};
// "#PF at RIP 0x... <ap_entry+0x..> (error 0x0, CR2 0x...) during bring-up": the error
// code where the vector has one, CR2 for #PF only.
void print_ap_fault(keel::fmt::Sink& sink, const ApFault& fault);

// Starts the CPU with `apic_id` and waits (bounded by the TSC) until it runs keel's idle
// loop with its own per-CPU data, GDT/TSS, IDT and local APIC; it then counts in
// `online` (its index is the old count). Boot CPU only, one start at a time.
//
// A CPU that takes an exception before it is up does not panic the system: its handler
// records an ApFault and halts it, and start_ap puts it back into wait-for-SIPI (INIT) and
// returns FaultedDuringStart, with the record in `*fault` if given. `inject_fault`
// makes the CPU fault on purpose at that stage (a read of the guard page below its own
// stack), for tests (smp.fault_ap on the kernel command line).
ApStartError start_ap(std::uint32_t apic_id, std::atomic<unsigned>& online,
                      ApFault* fault = nullptr, bool inject_fault = false);
inline constexpr ApStartError AP_STARTED = static_cast<ApStartError>(0xff);

// A CPU start_aps did not bring online, and why.
struct SkippedCpu {
  std::uint32_t apic_id = 0;
  ApStartError error = ApStartError::NoAnswer;
  ApFault fault{};  // for FaultedDuringStart
};

// Every enabled CPU of the MADT except this one; the CPU with APIC ID `fault_ap`, if any,
// is made to fault during its start (start_ap's inject_fault). Prints one line per CPU
// that did not start (APIC ID and why) to `sink`, and records it in skipped_cpus();
// returns how many did not.
unsigned start_aps(const acpi::Madt& madt, std::atomic<unsigned>& online, keel::fmt::Sink& sink,
                   std::optional<std::uint32_t> fault_ap = std::nullopt);
// The CPUs start_aps skipped, in MADT order.
std::span<const SkippedCpu> skipped_cpus();

}  // namespace arch::smp
