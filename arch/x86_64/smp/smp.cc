#include "arch/x86_64/smp/smp.h"

#include <atomic>
#include <expected>
#include <string_view>

#include "arch/x86_64/acpi/acpi.h"
#include "arch/x86_64/acpi/madt.h"
#include "arch/x86_64/apic/local_apic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/exceptions.h"
#include "arch/x86_64/smp/ap_start.h"
#include "arch/x86_64/smp/percpu.h"
#include "kernel/panic/panic.h"
#include "mm/hal.h"
#include "lib/contract/contract.h"
#include "lib/fmt/format.h"
#include "lib/sync/thread_annotations.h"

namespace arch::smp {
namespace {

constinit std::atomic<unsigned> g_online{1};
constinit CpuCensus g_census;
constinit std::optional<std::uint32_t> g_fault_ap;

// The one cross-CPU call in flight. Written by the lock holder before its IPIs; read by
// the targets in their handler (the IPI orders the writes before the reads: the sender's
// ICR write follows them, x2APIC with an mfence, and delivery follows the ICR write).
class TA_CAP("call lock") CallLock {
 public:
  // Spins with interrupts enabled: the holder's IPI must still reach this CPU.
  void lock() TA_ACQ() {
    while (locked_.exchange(true, std::memory_order_acquire)) {
      while (locked_.load(std::memory_order_relaxed)) pause();
    }
  }
  void unlock() TA_REL() { locked_.store(false, std::memory_order_release); }
  // A target reads the request on the holder's behalf: the holder keeps the lock until
  // every target has run (g_call_pending reaches 0).
  void assert_held() const TA_ASSERT_CAP(this) { KASSERT(locked_.load(std::memory_order_relaxed)); }

 private:
  std::atomic<bool> locked_{false};
};
constinit CallLock g_call_lock;
struct CallRequest {
  void (*fn)(void*) = nullptr;
  void* arg = nullptr;
};
constinit CallRequest g_call TA_GUARDED(g_call_lock);
// CPUs that have not yet returned from fn. Each target's release decrement pairs with
// the caller's acquire load, so everything fn did is visible when the call returns.
constinit std::atomic<unsigned> g_call_pending{0};

// Reads g_call without the lock: the holder published it before sending this IPI and
// keeps it unchanged until g_call_pending reaches 0, which this handler's decrement is
// part of.
void on_call_function(TrapFrame&) {
  g_call_lock.assert_held();
  const CallRequest call = g_call;
  call.fn(call.arg);
  g_call_pending.fetch_sub(1, std::memory_order_release);
  apic::end_of_interrupt();
}

// A final panic's way to halt the others: an NMI gets through their disabled interrupts,
// and the dispatcher halts a CPU that takes one while another CPU panics.
void stop_other_cpus() { apic::send_nmi_all_but_self(); }

const char* mode_name(apic::Mode mode) {
  switch (mode) {
    case apic::Mode::X2Apic: return "x2APIC";
    case apic::Mode::XApic: return "xAPIC";
    case apic::Mode::None: return "none";
  }
  return "?";
}

}  // namespace

void init_boot_cpu_early() { init_this_cpu(0, apic::cpuid_apic_id()); }

unsigned online_count() { return g_online.load(std::memory_order_acquire); }

std::uint32_t apic_id_of(unsigned index) {
  KREQUIRES(index < online_count());
  return percpu(index).apic_id;
}

const CpuCensus& census() { return g_census; }

std::optional<std::uint32_t> injected_fault_apic_id() { return g_fault_ap; }

void init(bool smp_off, std::optional<std::uint32_t> fault_ap, keel::fmt::Sink& sink) {
  g_fault_ap = fault_ap;
  const apic::Mode mode = apic::init_this_cpu();
  if (mode != apic::Mode::None) {
    percpu(0).apic_id = apic::this_apic_id();
    set_interrupt_handler(apic::VECTOR_CALL_FUNCTION, &on_call_function);
    // From here on the boot CPU runs with IF=1 outside InterruptGuard sections, so IPIs
    // (and the APIC's spurious/error vectors) are taken; starting the APs needs it too,
    // since mapping their stacks uses page-table cursors once a second CPU is online. The
    // legacy PIC, the APIC timer and LINT0 are masked, so nothing else arrives.
    sti();
  }
  const auto& found = acpi::madt();
  const bool have_madt = found.has_value();
  static constinit const std::expected<acpi::Madt, acpi::AcpiFailure> NO_MADT =
      std::unexpected(acpi::AcpiFailure{acpi::AcpiError::WrongSignature});
  const auto& madt = have_madt ? *found : NO_MADT;
  if (have_madt && madt) {
    g_census.listed = static_cast<unsigned>(madt->cpu_count);
    g_census.online_capable = static_cast<unsigned>(madt->online_capable);
    g_census.not_stored = static_cast<unsigned>(madt->cpus_not_stored);
  }

  keel::fmt::print(sink, "smp: boot CPU APIC ID {} ({}); ", percpu(0).apic_id, mode_name(mode));
  if (!have_madt) {
    keel::fmt::print(sink, "no MADT: running on the boot CPU only\n");
  } else if (!madt) {
    keel::fmt::print(sink, "MADT unusable ({}): running on the boot CPU only\n", madt.error());
  } else {
    keel::fmt::print(sink, "MADT lists {} enabled CPU(s), {} online-capable", madt->cpu_count,
               madt->online_capable);
    if (madt->cpus_not_stored != 0) {
      keel::fmt::print(sink, ", {} beyond the {} keel runs", madt->cpus_not_stored,
                 mm::hal::MAX_CPUS);
    }
    if (madt->truncated) keel::fmt::print(sink, ", entries cut at byte {}", madt->truncated_at);
    if (smp_off) {
      keel::fmt::print(sink, "; smp=off: running on the boot CPU only\n");
    } else if (mode == apic::Mode::None) {
      keel::fmt::print(sink, "; no local APIC: running on the boot CPU only\n");
    } else {
      keel::fmt::print(sink, "; starting the others\n");
      kernel::panic::set_stop_other_cpus(&stop_other_cpus);
      g_census.skipped = start_aps(*madt, g_online, sink, fault_ap);
    }
  }
  keel::fmt::print(sink, "smp: {} CPU(s) online, {} skipped\n", online_count(), g_census.skipped);
}

void run_on_others(void (*fn)(void*), void* arg) {
  const unsigned online = online_count();
  if (online == 1) return;
  if ((read_rflags() & RFLAGS_IF) == 0) {
    panic("run_on_other_cpus on CPU {} with interrupts disabled while {} CPUs are online: "
          "a CPU that waits for others with IF=0 can deadlock with one waiting for it",
          this_cpu_index(), online);
  }
  g_call_lock.lock();
  g_call = CallRequest{fn, arg};
  const unsigned self = this_cpu_index();
  g_call_pending.store(online - 1, std::memory_order_relaxed);
  for (unsigned cpu = 0; cpu < online; ++cpu) {
    if (cpu != self) apic::send_ipi(percpu(cpu).apic_id, apic::VECTOR_CALL_FUNCTION);
  }
  while (g_call_pending.load(std::memory_order_acquire) != 0) pause();
  g_call_lock.unlock();
}

}  // namespace arch::smp
