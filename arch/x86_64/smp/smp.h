// CPUs: discovery (ACPI MADT), the boot CPU's local APIC and per-CPU data, the set of
// online CPUs, and synchronous cross-CPU calls over IPIs (what mm/hal.h's
// run_on_other_cpus and TLB shootdown are built on).
#pragma once

#include <cstdint>
#include <optional>

#include "lib/fmt/format_fwd.h"

namespace arch::smp {

// Per-CPU data for the boot CPU (index 0): call right after its GDT is loaded, before
// anything asks mm::hal::current_cpu().
void init_boot_cpu_early();

// After ACPI and mm init: enables the boot CPU's local APIC, reads the MADT, brings the
// other CPUs online unless `smp_off` (or there is no MADT or no APIC), then enables
// interrupts on the boot CPU. Logs one "smp:" line saying how many CPUs are online and
// which were skipped and why. `fault_ap` (smp.fault_ap on the command line, for tests):
// the CPU with that APIC ID faults on purpose during its start, and is skipped.
void init(bool smp_off, std::optional<std::uint32_t> fault_ap, keel::fmt::Sink& sink);
// init's `fault_ap`, for the tests that check what became of that CPU.
std::optional<std::uint32_t> injected_fault_apic_id();

// How many CPUs are online (>= 1); only grows. Acquire: a CPU counted here has finished
// its own init (per-CPU data, APIC, IDT) and answers IPIs.
unsigned online_count();
// The APIC ID of online CPU `index` (< online_count()).
std::uint32_t apic_id_of(unsigned index);

// What the MADT listed: enabled CPUs (the boot CPU included), and those keel did not start
// (online-capable, past MAX_CPUS, or not answering).
struct CpuCensus {
  unsigned listed = 0;
  unsigned online_capable = 0;
  unsigned not_stored = 0;
  unsigned skipped = 0;
};
const CpuCensus& census();

// Runs fn(arg) on every other online CPU in interrupt context and waits for all of them.
// Requires IF=1 when more than one CPU is online (panics naming the caller otherwise).
// Calls are serialized by a lock taken with interrupts enabled, so a CPU spinning for it
// still answers the call that holds it.
void run_on_others(void (*fn)(void*), void* arg);

}  // namespace arch::smp
