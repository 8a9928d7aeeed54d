// In-kernel tests of the local APIC, per-CPU data and cross-CPU calls on the running
// machine. Tests that need a second CPU are skipped, with the reason, on one CPU.
#define KTEST_SUITE "arch.x86_64.smp"
#include <atomic>
#include <string_view>

#include "arch/x86_64/acpi/acpi.h"
#include "arch/x86_64/apic/local_apic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/exceptions.h"
#include "arch/x86_64/fault_probe.h"
#include "arch/x86_64/smp/ap_stacks.h"
#include "arch/x86_64/smp/ap_start.h"
#include "arch/x86_64/smp/percpu.h"
#include "arch/x86_64/smp/smp.h"
#include "arch/x86_64/tsc.h"
#include "kernel/ktest/ktest.h"
#include "kernel/panic/symbols.h"
#include "mm/hal.h"

namespace arch::smp {
namespace {

KTEST(boot_cpu_is_index_zero_with_its_apic_id) {
  KEXPECT_EQ(mm::hal::current_cpu(), 0u);
  KEXPECT_GE(mm::hal::cpu_count(), 1u);
  KEXPECT_EQ(arch::smp::percpu(0).self, &arch::smp::percpu(0));
  if (arch::apic::mode() != arch::apic::Mode::None) {
    KEXPECT_EQ(arch::smp::apic_id_of(0), arch::apic::this_apic_id());
  }
}

KTEST(interrupts_are_enabled_outside_guards) {
  if (arch::apic::mode() == arch::apic::Mode::None) {
    ktest_ctx.skip("no local APIC: keel leaves interrupts off");
    return;
  }
  KEXPECT_TRUE(mm::hal::irqs_enabled());
  {
    mm::hal::InterruptGuard guard;
    KEXPECT_FALSE(mm::hal::irqs_enabled());
  }
  KEXPECT_TRUE(mm::hal::irqs_enabled());
}

constinit std::atomic<unsigned> g_test_vector_hits{0};
void on_test_vector(arch::TrapFrame&) {
  g_test_vector_hits.fetch_add(1, std::memory_order_relaxed);
  arch::apic::end_of_interrupt();
}

// The IPI path end to end on one CPU: ICR (or SELF_IPI), delivery through the IDT to the
// handler table, EOI. Held off inside an InterruptGuard, taken at once after it.
KTEST(self_ipi_is_delivered_only_when_interrupts_are_enabled) {
  if (arch::apic::mode() == arch::apic::Mode::None) {
    ktest_ctx.skip("no local APIC");
    return;
  }
  arch::set_interrupt_handler(arch::apic::VECTOR_TEST, &on_test_vector);
  const unsigned before = g_test_vector_hits.load();
  {
    mm::hal::InterruptGuard guard;
    arch::apic::send_ipi_self(arch::apic::VECTOR_TEST);
    for (int i = 0; i < 1000; ++i) arch::pause();
    KEXPECT_EQ(g_test_vector_hits.load(), before);
  }
  // The pending interrupt is taken right after IF is set (one instruction later).
  for (int i = 0; i < 100000 && g_test_vector_hits.load() == before; ++i) arch::pause();
  KEXPECT_EQ(g_test_vector_hits.load(), before + 1);
  const std::uint64_t errors = arch::apic::error_interrupts();
  KEXPECT_EQ(errors, 0u);
}

KTEST(unicast_ipi_to_own_apic_id_is_delivered) {
  if (arch::apic::mode() == arch::apic::Mode::None) {
    ktest_ctx.skip("no local APIC");
    return;
  }
  arch::set_interrupt_handler(arch::apic::VECTOR_TEST, &on_test_vector);
  const unsigned before = g_test_vector_hits.load();
  arch::apic::send_ipi(arch::apic::this_apic_id(), arch::apic::VECTOR_TEST);
  for (int i = 0; i < 100000 && g_test_vector_hits.load() == before; ++i) arch::pause();
  KEXPECT_EQ(g_test_vector_hits.load(), before + 1);
}

constinit std::atomic<unsigned> g_call_hits{0};
constinit std::atomic<std::uint64_t> g_call_cpus{0};  // bit per CPU index < 64

void count_call(void* arg) {
  g_call_hits.fetch_add(1, std::memory_order_relaxed);
  const unsigned cpu = mm::hal::current_cpu();
  if (cpu < 64) g_call_cpus.fetch_or(1ull << cpu, std::memory_order_relaxed);
  static_cast<std::atomic<unsigned>*>(arg)->fetch_add(1, std::memory_order_relaxed);
}

KTEST(run_on_other_cpus_reaches_every_other_cpu_once) {
  const unsigned cpus = mm::hal::cpu_count();
  std::atomic<unsigned> ran{0};
  g_call_hits = 0;
  g_call_cpus = 0;
  mm::hal::run_on_other_cpus(&count_call, &ran);
  KEXPECT_EQ(ran.load(), cpus - 1);
  if (cpus == 1) {
    ktest_ctx.skip("one CPU online: the call has nobody to run on (checked that it returns)");
    return;
  }
  std::uint64_t expected = 0;
  for (unsigned cpu = 1; cpu < cpus && cpu < 64; ++cpu) expected |= 1ull << cpu;
  KEXPECT_EQ(g_call_cpus.load(), expected);
}

// Each CPU's GS base reaches its own slot: the index it reads is where the boot CPU put
// its APIC ID, and no two CPUs share an APIC ID.
void check_own_slot(void* mismatches) {
  const unsigned cpu = mm::hal::current_cpu();
  if (arch::smp::apic_id_of(cpu) != arch::apic::this_apic_id()) {
    static_cast<std::atomic<unsigned>*>(mismatches)->fetch_add(1);
  }
}

KTEST(every_cpu_reads_its_own_per_cpu_slot) {
  const unsigned cpus = mm::hal::cpu_count();
  for (unsigned a = 0; a < cpus; ++a) {
    for (unsigned b = a + 1; b < cpus; ++b) {
      KEXPECT_NE(arch::smp::apic_id_of(a), arch::smp::apic_id_of(b));
    }
  }
  std::atomic<unsigned> mismatches{0};
  mm::hal::run_on_other_cpus(&check_own_slot, &mismatches);
  KEXPECT_EQ(mismatches.load(), 0u);
  if (cpus == 1) ktest_ctx.skip("one CPU online: only the boot CPU's slot was checked");
}

// Starting an online CPU again would INIT it under the running kernel: refused, and the
// online count is unchanged.
KTEST(starting_an_online_cpu_again_is_refused) {
  std::atomic<unsigned> online{mm::hal::cpu_count()};
  const unsigned target = mm::hal::cpu_count() > 1 ? 1 : 0;
  KEXPECT_TRUE(arch::smp::start_ap(arch::smp::apic_id_of(target), online) ==
               arch::smp::ApStartError::AlreadyOnline);
  KEXPECT_EQ(online.load(), mm::hal::cpu_count());
}

// With smp.fault_ap=<id> on the command line, that CPU reads the guard page below its own
// stack during bring-up (before it has per-CPU data): it must be the one CPU skipped, with
// the #PF its handler recorded, and every other CPU of the MADT must be online.
KTEST(a_cpu_that_faults_during_bring_up_is_skipped_with_its_fault) {
  const std::optional<std::uint32_t> target = arch::smp::injected_fault_apic_id();
  if (!target) {
    ktest_ctx.skip("no smp.fault_ap on the command line: no CPU was made to fault");
    return;
  }
  const auto skipped = arch::smp::skipped_cpus();
  KEXPECT_EQ(skipped.size(), 1u);
  if (skipped.size() != 1) return;
  const arch::smp::SkippedCpu& cpu = skipped[0];
  KEXPECT_EQ(cpu.apic_id, *target);
  KEXPECT_TRUE(cpu.error == arch::smp::ApStartError::FaultedDuringStart);
  KEXPECT_EQ(cpu.fault.apic_id, *target);  // recorded on the CPU that faulted
  KEXPECT_EQ(cpu.fault.vector, arch::VECTOR_PAGE_FAULT);
  KEXPECT_EQ(cpu.fault.error_code, 0u);  // a read of a not-present page, in kernel mode
  KEXPECT_NE(cpu.fault.cr2, 0u);
  const auto symbol = kernel::panic::symbolize(cpu.fault.rip);
  KTEST_ASSERT_TRUE(symbol.has_value());
  KEXPECT_EQ(std::string_view(symbol->name), std::string_view("ap_entry"));
  KEXPECT_EQ(mm::hal::cpu_count(), arch::smp::census().listed - 1);
  for (unsigned index = 0; index < mm::hal::cpu_count(); ++index) {
    KEXPECT_NE(arch::smp::apic_id_of(index), *target);
  }
  ktest_ctx.print_diagnostic("APIC ID {}: #PF at RIP {:#x} ({}+{:#x}), CR2 {:#x}", cpu.apic_id,
                             cpu.fault.rip, symbol->name, symbol->offset, cpu.fault.cr2);
}

// An APIC ID the MADT does not list answers nothing: start_ap gives up after its bound
// (INIT, 10 ms, SIPI, 200 us, SIPI, 2 s, INIT, 10 ms) with NoAnswer and counts nothing.
KTEST(starting_an_absent_cpu_gives_up_within_the_bound) {
  // It waits the whole 2 s bound: run it where keel starts CPUs, not on every 1-CPU boot.
  if (mm::hal::cpu_count() == 1) {
    ktest_ctx.skip("one CPU online");
    return;
  }
  if (arch::apic::mode() == arch::apic::Mode::None) {
    ktest_ctx.skip("no local APIC");
    return;
  }
  const auto& madt = arch::acpi::madt();
  if (!madt || !*madt) {
    ktest_ctx.skip("no usable MADT: no list to pick an absent APIC ID from");
    return;
  }
  std::uint32_t absent = 200;
  while ((*madt)->has_apic_id(absent)) ++absent;
  const std::uint64_t hz = arch::calibrate_tsc().hz;
  if (hz == 0) {
    ktest_ctx.skip("TSC frequency unknown: the bound cannot be checked");
    return;
  }
  ktest_ctx.keeps_frames("the stacks handed to a CPU that did not answer stay mapped: it may "
                        "still arrive late and run on them");
  std::atomic<unsigned> online{mm::hal::cpu_count()};
  const std::uint64_t start = arch::rdtsc_ordered();
  const arch::smp::ApStartError error = arch::smp::start_ap(absent, online);
  const std::uint64_t ms = (arch::rdtsc_ordered() - start) * 1000 / hz;
  KEXPECT_TRUE(error == arch::smp::ApStartError::NoAnswer);
  KEXPECT_EQ(online.load(), mm::hal::cpu_count());
  KEXPECT_GE(ms, 2000u);  // it did wait the 2 s a slow CPU gets (and returning at all: no hang)
  ktest_ctx.print_diagnostic("APIC ID {}: {} after {} ms", absent,
                             arch::smp::error_name(error), ms);
}

// Every AP's four stacks lie each above an unmapped guard page: the guard faults, the
// stack's lowest word above it reads.
KTEST(ap_stacks_have_guard_pages) {
  const unsigned cpus = mm::hal::cpu_count();
  if (cpus == 1) {
    ktest_ctx.skip("one CPU online");
    return;
  }
  unsigned checked = 0;
  for (unsigned cpu = 1; cpu < cpus; ++cpu) {
    const std::uint64_t lowest = arch::smp::percpu(cpu).stack_guard;
    KEXPECT_NE(lowest, 0u);
    if (lowest == 0) continue;
    for (unsigned stack = 0; stack < arch::smp::AP_STACKS; ++stack) {
      const std::uint64_t guard = lowest + stack * arch::smp::AP_STACK_STRIDE;
      std::uint64_t word = 0;
      KEXPECT_FALSE(arch::try_read_u64(guard, word));
      KEXPECT_FALSE(arch::try_read_u64(guard + mm::PAGE_SIZE - 8, word));
      KEXPECT_TRUE(arch::try_read_u64(guard + mm::PAGE_SIZE, word));
      ++checked;
    }
  }
  ktest_ctx.print_diagnostic("{} AP stacks checked", checked);
}

}  // namespace

}  // namespace arch::smp
