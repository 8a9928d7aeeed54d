#include "arch/x86_64/smp/ap_start.h"

#include <cstring>

#include "arch/x86_64/apic/local_apic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/exceptions.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/idt.h"
#include "arch/x86_64/memory_types.h"
#include "arch/x86_64/paging/pat.h"
#include "arch/x86_64/smp/ap_stacks.h"
#include "arch/x86_64/smp/idle_work.h"
#include "arch/x86_64/smp/percpu.h"
#include "arch/x86_64/tsc.h"
#include "kernel/panic/panic.h"
#include "kernel/panic/symbols.h"
#include "mm/allocator/frame_allocator.h"
#include "mm/hal.h"
#include "lib/fmt/format.h"
#include "mm/linear_map.h"

extern "C" const std::byte ap_trampoline_start[];
extern "C" const std::byte ap_trampoline_data[];
extern "C" const std::byte ap_trampoline_end[];

namespace arch::smp {
namespace {

constexpr std::uint64_t PAGE = 4096;
constexpr std::uint64_t AP_TRAMPOLINE_PADDR = 0x8000;  // trampoline.S's TRAMPOLINE_PADDR
// The trampoline's page table: the top level, then up to three lower tables for the
// identity map of [0, 2 MiB) (4-level: PDPT, PD; 5-level: PML4, PDPT, PD).
constexpr std::uint64_t AP_PAGE_TABLE_PADDR = 0x9000;
constexpr std::uint64_t AP_PAGE_TABLE_PAGES = 4;
static_assert(AP_PAGE_TABLE_PADDR + AP_PAGE_TABLE_PAGES * PAGE <= 0x100000);

constexpr std::uint64_t PTE_PRESENT = 1, PTE_WRITABLE = 2, PTE_HUGE = 0x80;
constexpr std::uint64_t PTE_ADDRESS_MASK = 0x000f'ffff'ffff'f000;
constexpr std::uint32_t IA32_EFER = 0xc0000080;

struct ApTrampolineData {
  std::uint64_t cr3, cr4, stack_top, entry, token;
};
static_assert(sizeof(ApTrampolineData) == 40);

// What the AP being started copies; written by the boot CPU before the SIPI and read by
// the AP after it (the SIPI orders them: the ICR write follows these stores).
struct ApBootState {
  std::uint64_t cr0, cr4, efer, kernel_cr3;
  unsigned index;
  std::uint64_t ist_tops[3];
  std::uint64_t fault_address;  // non-zero: read it during bring-up (start_ap's inject_fault)
};
constinit ApBootState g_boot_state{};
// The token of the start attempt in progress (0: none). An AP that arrives with another
// token is late (its attempt timed out) and stops at once, touching nothing.
constinit std::atomic<std::uint64_t> g_expected_token{0};
// The token the AP stores (release) when it is up; the boot CPU's acquire load of it
// makes the AP's per-CPU data visible before the CPU is counted online.
constinit std::atomic<std::uint64_t> g_ready_token{0};
constinit std::uint64_t g_next_token = 0;

// The start attempt in progress, as the exception handler of the CPU being started sees
// it. The boot CPU moves None -> Starting before the INIT and back to None when it is done
// with the CPU; in between, the started CPU moves it to Up (its bring-up is done: from
// then on a fault on it panics as on any online CPU) or Faulted (its handler filled
// g_attempt_fault), and the boot CPU to Abandoned when its wait timed out. Only the first
// move out of Starting succeeds (compare-exchange), so the boot CPU and the AP agree on
// how the attempt ended.
enum class Attempt : std::uint8_t { None, Starting, Up, Faulted, Abandoned };
constinit std::atomic<Attempt> g_attempt{Attempt::None};
// The stacks handed to the CPU being started, [lo, hi): a trap whose frame lies there is
// that CPU's (no other CPU ever runs on them), which needs no per-CPU data to tell.
// Written by the boot CPU only while g_attempt is None; atomic because other CPUs' traps
// read them meanwhile.
constinit std::atomic<std::uint64_t> g_attempt_stacks_lo{0};
constinit std::atomic<std::uint64_t> g_attempt_stacks_hi{0};
// Written by the started CPU before its Starting -> Faulted exchange (release), read by
// the boot CPU after seeing Faulted (acquire).
constinit ApFault g_attempt_fault{};

// g_bring_up_trap_hook: first for every trap on every CPU, so the common case is one load.
void on_trap_during_bring_up(const TrapFrame& frame) {
  const Attempt attempt = g_attempt.load(std::memory_order_acquire);
  if (attempt == Attempt::None || attempt == Attempt::Up) return;  // Up: panics as usual
  const auto at = reinterpret_cast<std::uint64_t>(&frame);
  if (at < g_attempt_stacks_lo.load(std::memory_order_relaxed) ||
      at >= g_attempt_stacks_hi.load(std::memory_order_relaxed)) {
    return;  // another CPU's trap (the boot CPU's, or an online AP's)
  }
  // Another CPU's final panic stops every CPU by NMI; this one has nothing to report.
  if (frame.vector == VECTOR_NMI && kernel::panic::panic_in_progress()) halt_forever();
  if (attempt == Attempt::Starting) {
    g_attempt_fault = ApFault{.vector = frame.vector,
                              .error_code = frame.error_code,
                              .rip = frame.rip,
                              .cr2 = read_cr2(),
                              .apic_id = apic::cpuid_apic_id()};
    Attempt expected = Attempt::Starting;
    g_attempt.compare_exchange_strong(expected, Attempt::Faulted, std::memory_order_release,
                                      std::memory_order_relaxed);
  }
  // Recorded now, or already (a trap while halted here, e.g. an NMI), or the boot CPU gave
  // up waiting and reports NoAnswer: either way it is about to INIT this CPU.
  halt_forever();
}

inline void write_cr0(std::uint64_t v) { asm volatile("mov %0, %%cr0" : : "r"(v) : "memory"); }

std::uint64_t* table_at(std::uint64_t paddr) {
  return static_cast<std::uint64_t*>(mm::phys_to_virt(paddr));
}

// The trampoline's page table shares the kernel's half: its top-level entries, copied.
void copy_kernel_half_to_trampoline_table() {
  const std::uint64_t* kernel_root = table_at(read_cr3() & PTE_ADDRESS_MASK);
  std::uint64_t* top = table_at(AP_PAGE_TABLE_PADDR);
  for (unsigned i = 256; i < 512; ++i) top[i] = kernel_root[i];
}

// Copies the trampoline and builds its page table from the live kernel root.
void prepare_trampoline() {
  const auto size = static_cast<std::size_t>(ap_trampoline_end - ap_trampoline_start);
  std::memcpy(mm::phys_to_virt(AP_TRAMPOLINE_PADDR), ap_trampoline_start, size);
  for (std::uint64_t i = 0; i < AP_PAGE_TABLE_PAGES; ++i) {
    std::memset(table_at(AP_PAGE_TABLE_PADDR + i * PAGE), 0, PAGE);
  }
  const bool five_level = (read_cr4() & CR4_LA57) != 0;
  copy_kernel_half_to_trampoline_table();
  const unsigned lower_tables = five_level ? 3 : 2;
  for (unsigned level = 0; level < lower_tables; ++level) {
    table_at(AP_PAGE_TABLE_PADDR + level * PAGE)[0] =
        (AP_PAGE_TABLE_PADDR + (level + 1) * PAGE) | PTE_PRESENT | PTE_WRITABLE;
  }
  // [0, 2 MiB) identity: only the trampoline's instructions run through it.
  table_at(AP_PAGE_TABLE_PADDR + lower_tables * PAGE)[0] =
      PTE_PRESENT | PTE_WRITABLE | PTE_HUGE;
}

void wait_cycles(std::uint64_t cycles) {
  const std::uint64_t start = rdtsc_ordered();
  while (rdtsc_ordered() - start < cycles) pause();
}

enum class Wait : std::uint8_t { Ready, Faulted, TimedOut };

Wait wait_for_ready(std::uint64_t token, std::uint64_t cycles) {
  const std::uint64_t start = rdtsc_ordered();
  while (g_ready_token.load(std::memory_order_acquire) != token) {
    if (g_attempt.load(std::memory_order_acquire) == Attempt::Faulted) return Wait::Faulted;
    if (rdtsc_ordered() - start >= cycles) return Wait::TimedOut;
    pause();
  }
  return Wait::Ready;
}

// After the wait timed out: Abandoned, unless the CPU got to Faulted or Up first (it ran
// up to the deadline); Up is followed at once by its ready token.
Wait give_up_waiting(std::uint64_t token, std::uint64_t hz) {
  Attempt expected = Attempt::Starting;
  if (g_attempt.compare_exchange_strong(expected, Attempt::Abandoned,
                                        std::memory_order_acq_rel)) {
    return Wait::TimedOut;
  }
  if (expected == Attempt::Faulted) return Wait::Faulted;
  return wait_for_ready(token, hz / 100);  // Up
}

constinit SkippedCpu g_skipped[mm::hal::MAX_CPUS] = {};
constinit unsigned g_skipped_count = 0;

}  // namespace

// Reached from trampoline.S on the AP's own stack, on the trampoline's page table.
extern "C" [[noreturn]] void ap_entry(std::uint64_t token) {
  if (token != g_expected_token.load(std::memory_order_acquire)) halt_forever();
  // keel's IDT first, so that a fault from here on reaches the dispatcher (and
  // on_trap_during_bring_up reports it to the boot CPU) instead of triple-faulting, which
  // may reset the whole machine. The gates' KERNEL_CS is, until the GDT below, the
  // trampoline GDT's 64-bit code segment (same selector), mapped by the trampoline's page
  // table; only the IST vectors (#DF, NMI, #MC) need the TSS loaded next.
  load_idt();
  const ApBootState& s = g_boot_state;
  // Still on the trampoline's page table, which maps the kernel half as the kernel's does:
  // loaded before the switch below, which unmaps the trampoline GDT.
  init_gdt_and_tss_for_ap(s.index, s.ist_tops);
  write_cr3(s.kernel_cr3);
  wrmsr(IA32_EFER, s.efer);
  write_cr4(s.cr4);
  write_cr0(s.cr0);
  ensure_write_back_default();
  paging::program_pat();
  // The injected fault (tests) comes before the per-CPU data: the trap that the normal
  // panic path could not even report, since it asks which CPU it runs on.
  if (s.fault_address != 0) (void)*reinterpret_cast<const volatile std::uint64_t*>(s.fault_address);
  init_this_cpu(s.index, apic::cpuid_apic_id());
  apic::init_this_cpu();
  percpu(s.index).apic_id = apic::this_apic_id();
  // Up: from here a fault panics as on any online CPU. The boot CPU may have given up
  // (Abandoned) meanwhile; then this CPU is about to be INITed, and waits for it here.
  Attempt starting = Attempt::Starting;
  if (!g_attempt.compare_exchange_strong(starting, Attempt::Up, std::memory_order_acq_rel)) {
    halt_forever();
  }
  g_ready_token.store(token, std::memory_order_release);
  // The idle loop: IPIs (cross-CPU calls, shootdowns) arrive here. Posted idle work is
  // checked with IF=0 and sti takes effect after the next instruction, so a post (whose
  // wake-up IPI stays pending until then) cannot slip in between the check and hlt.
  std::uint64_t seen_work = 0;
  for (;;) {
    run_idle_work(seen_work);
    asm volatile("sti; hlt; cli" ::: "memory");
  }
}

const char* error_name(ApStartError error) {
  switch (error) {
    case ApStartError::AlreadyOnline: return "already online";
    case ApStartError::NoIndexLeft: return "MAX_CPUS CPUs already online";
    case ApStartError::NoStackMemory: return "no memory for its stacks";
    case ApStartError::NoAnswer: return "did not answer INIT-SIPI-SIPI in time";
    case ApStartError::FaultedDuringStart: return "faulted during bring-up";
  }
  return "ApStartError(?)";
}

void print_ap_fault(keel::fmt::Sink& sink, const ApFault& fault) {
  keel::fmt::print(sink, "{} at RIP ", exception_mnemonic(fault.vector));
  kernel::panic::print_address(sink, fault.rip, false);
  if (fault.vector == VECTOR_PAGE_FAULT) {
    keel::fmt::print(sink, " (error {:#x}, CR2 {:#x})", fault.error_code, fault.cr2);
  } else if (exception_has_error_code(fault.vector)) {
    keel::fmt::print(sink, " (error {:#x})", fault.error_code);
  }
  sink.write(" during bring-up");
}

ApStartError start_ap(std::uint32_t apic_id, std::atomic<unsigned>& online, ApFault* fault,
                      bool inject_fault) {
  const unsigned index = online.load(std::memory_order_relaxed);
  for (unsigned cpu = 0; cpu < index; ++cpu) {
    if (percpu(cpu).apic_id == apic_id) return ApStartError::AlreadyOnline;
  }
  if (index >= mm::hal::MAX_CPUS) return ApStartError::NoIndexLeft;
  // Never unmapped: an AP that does not answer in time may still arrive and use them.
  const std::optional<ApStacks> stacks = map_ap_stacks();
  if (!stacks) return ApStartError::NoStackMemory;
  percpu(index).stack_guard = stacks->lowest_guard;
  // The window may have needed a new top-level entry: the trampoline's table copies them.
  copy_kernel_half_to_trampoline_table();

  g_boot_state = ApBootState{
      .cr0 = [] { std::uint64_t v; asm volatile("mov %%cr0, %0" : "=r"(v)); return v; }(),
      .cr4 = read_cr4(),
      .efer = rdmsr(IA32_EFER),
      .kernel_cr3 = read_cr3(),
      .index = index,
      .ist_tops = {},
      .fault_address = inject_fault ? stacks->lowest_guard : 0,
  };
  for (unsigned slot = 0; slot < 3; ++slot) g_boot_state.ist_tops[slot] = stacks->ist_tops[slot];
  const std::uint64_t token = ++g_next_token;
  ApTrampolineData data{
      .cr3 = AP_PAGE_TABLE_PADDR,
      .cr4 = read_cr4() & (CR4_PAE | CR4_LA57),
      .stack_top = stacks->kernel_top,
      .entry = reinterpret_cast<std::uint64_t>(&ap_entry),
      .token = token,
  };
  const auto data_offset = static_cast<std::size_t>(ap_trampoline_data - ap_trampoline_start);
  std::memcpy(static_cast<std::byte*>(mm::phys_to_virt(AP_TRAMPOLINE_PADDR)) + data_offset,
              &data, sizeof(data));
  g_expected_token.store(token, std::memory_order_release);
  // Set on the first start, when the boot CPU is the only one reading it.
  if (g_bring_up_trap_hook != &on_trap_during_bring_up) {
    g_bring_up_trap_hook = &on_trap_during_bring_up;
  }
  g_attempt_stacks_lo.store(stacks->lowest_guard, std::memory_order_relaxed);
  g_attempt_stacks_hi.store(stacks->lowest_guard + AP_STACKS * AP_STACK_STRIDE,
                            std::memory_order_relaxed);
  g_attempt.store(Attempt::Starting, std::memory_order_release);

  std::uint64_t hz = calibrate_tsc().hz;
  if (hz == 0) hz = 3'000'000'000;  // unknown: assume a fast TSC, so waits err long
  // INIT, 10 ms, SIPI, 200 us, SIPI (Intel SDM vol. 3, 9.4.4.1); then up to 2 s for the
  // AP to reach ap_entry's end (TCG translates all of it on first use).
  apic::send_init(apic_id);
  wait_cycles(hz / 100);
  apic::send_startup(apic_id, static_cast<std::uint8_t>(AP_TRAMPOLINE_PADDR / PAGE));
  Wait waited = wait_for_ready(token, hz / 5000);
  if (waited == Wait::TimedOut) {
    apic::send_startup(apic_id, static_cast<std::uint8_t>(AP_TRAMPOLINE_PADDR / PAGE));
    waited = wait_for_ready(token, 2 * hz);
  }
  if (waited == Wait::TimedOut) waited = give_up_waiting(token, hz);
  if (waited != Wait::Ready) {
    g_expected_token.store(0, std::memory_order_release);  // a late arrival stops
    // And is put back to wait-for-SIPI before the trampoline's data is rewritten for the
    // next CPU: a late AP still reading it would otherwise take that CPU's token and stack.
    // A CPU that faulted is halted; the INIT makes sure it never runs again.
    apic::send_init(apic_id);
    wait_cycles(hz / 100);
    g_attempt.store(Attempt::None, std::memory_order_release);
    if (waited == Wait::TimedOut) return ApStartError::NoAnswer;
    if (fault != nullptr) *fault = g_attempt_fault;
    return ApStartError::FaultedDuringStart;
  }
  g_attempt.store(Attempt::None, std::memory_order_release);
  online.store(index + 1, std::memory_order_release);
  return AP_STARTED;
}

unsigned start_aps(const acpi::Madt& madt, std::atomic<unsigned>& online, keel::fmt::Sink& sink,
                   std::optional<std::uint32_t> fault_ap) {
  prepare_trampoline();
  const std::uint32_t self = percpu(0).apic_id;
  unsigned skipped = 0;
  for (std::size_t i = 0; i < madt.cpu_count; ++i) {
    const std::uint32_t apic_id = madt.cpus[i].apic_id;
    if (apic_id == self) continue;
    ApFault fault{};
    const ApStartError error = start_ap(apic_id, online, &fault, fault_ap == apic_id);
    if (error == AP_STARTED) continue;
    keel::fmt::print(sink, "smp: CPU with APIC ID {} skipped: ", apic_id);
    if (error == ApStartError::FaultedDuringStart) {
      print_ap_fault(sink, fault);
    } else {
      sink.write(error_name(error));
    }
    sink.write("\n");
    if (g_skipped_count < mm::hal::MAX_CPUS) {
      g_skipped[g_skipped_count++] = SkippedCpu{.apic_id = apic_id, .error = error, .fault = fault};
    }
    ++skipped;
  }
  return skipped;
}

std::span<const SkippedCpu> skipped_cpus() { return {g_skipped, g_skipped_count}; }

}  // namespace arch::smp
