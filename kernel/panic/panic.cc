#include "kernel/panic/panic.h"

#include <atomic>
#include <source_location>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/guarded_call.h"
#include "arch/x86_64/qemu_exit.h"
#include "kernel/console.h"
#include "kernel/panic/backtrace.h"
#include "mm/hal.h"
#include "lib/contract/contract.h"

namespace kernel::panic {
namespace {

// 0: running; 1: panicking; 2: panicked while panicking; 3+: give up printing.
constinit std::atomic<unsigned> g_panic_depth{0};
constinit unsigned g_this_depth = 0;  // depth of the panic being printed
// The CPU whose panic is being reported (-1: none). One CPU reports at a time; another
// that panics meanwhile waits, so two reports never interleave on the console.
constinit std::atomic<int> g_panic_cpu{-1};
constinit void (*g_stop_other_cpus)() = nullptr;

// A panic may come before per-CPU data is set up.
int this_cpu() { return static_cast<int>(mm::hal::current_cpu_even_early()); }

}  // namespace

void set_stop_other_cpus(void (*stop)()) { g_stop_other_cpus = stop; }

bool another_cpu_is_panicking() {
  const int owner = g_panic_cpu.load(std::memory_order_acquire);
  return owner >= 0 && owner != this_cpu();
}

bool panic_in_progress() { return g_panic_depth.load(std::memory_order_relaxed) != 0; }

[[noreturn]] void panic_halt() {
  arch::qemu_debug_exit(arch::QEMU_EXIT_PANIC);
  arch::halt_forever();
}

namespace detail {

keel::fmt::Sink& begin() {
  arch::cli();
  const int me = this_cpu();
  for (int owner = -1; !g_panic_cpu.compare_exchange_strong(owner, me, std::memory_order_acq_rel);
       owner = -1) {
    if (owner == me) break;  // a panic while this CPU reports one: nested
    arch::pause();           // another CPU's report first (it may stop this one by NMI)
  }
  const unsigned depth = g_panic_depth.fetch_add(1, std::memory_order_acq_rel) + 1;
  if (depth >= 3) panic_halt();
  g_this_depth = depth;
  // The panic may have hit while this CPU held the console lock (e.g. a fault inside a
  // console driver); waiting for it would hang with nothing printed.
  kernel::force_unlock_console_for_panic();
  keel::fmt::Sink& sink = kernel::console_sink();
  // One write, so a capturing sink sees the whole prefix at once.
  keel::fmt::FixedString<64> prefix;
  keel::fmt::print(prefix, "\nKERNEL PANIC{}", depth == 1 ? "" : " (nested, during panic)");
  if (mm::hal::cpu_count() > 1) keel::fmt::print(prefix, " on CPU {}", me);
  prefix.write(": ");
  sink.write(prefix.view());
  return sink;
}

[[noreturn]] void finish_with_backtrace(std::uint64_t rbp) {
  if (g_this_depth == 1) print_backtrace(kernel::console_sink(), rbp);
  finish();
}

[[noreturn]] void finish() {
  // A guarded call on this CPU that claims panics (arch/x86_64/guarded_call.h: the ktest
  // and kbench runners, tests checking a panic) resumes after the report. Guards are
  // per-CPU, so a panic on a CPU with none (an AP running a runner's cross-CPU call) is
  // final.
  if (const char* guard = arch::guard_for_panic(); g_this_depth == 1 && guard != nullptr) {
    keel::fmt::print(kernel::console_sink(), "(panic caught by the {} guard)\n", guard);
    g_this_depth = 0;
    g_panic_depth.store(0, std::memory_order_release);
    g_panic_cpu.store(-1, std::memory_order_release);
    arch::guard_resume_panic();
  }
  if (g_stop_other_cpus != nullptr && mm::hal::cpu_count() > 1) {
    keel::fmt::print(kernel::console_sink(), "Stopping the other {} CPU(s).\n", mm::hal::cpu_count() - 1);
    g_stop_other_cpus();
  }
  kernel::console_sink().write(g_this_depth == 1 ? "System halted.\n" : "Halting.\n");
  panic_halt();
}

}  // namespace detail

}  // namespace kernel::panic

// lib/contract/contract.h: KASSERT and KREQUIRES land here in the kernel.
[[noreturn]] void keel::contract::violation(const char* kind, const char* condition,
                                      const char* detail, std::source_location where) {
  keel::fmt::Sink& sink = kernel::panic::detail::begin();
  keel::fmt::print(sink, "contract violation ({}): {} at {}:{} in {}\n", kind, condition,
             where.file_name(), where.line(), where.function_name());
  if (detail != nullptr) keel::fmt::print(sink, "  detail: {}\n", detail);
  kernel::panic::detail::finish_with_backtrace(reinterpret_cast<std::uint64_t>(__builtin_frame_address(0)));
}
