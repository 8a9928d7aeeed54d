#include "kernel/panic/panic.h"

#include <atomic>
#include <source_location>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/qemu_exit.h"
#include "kernel/console.h"
#include "kernel/panic/backtrace.h"
#include "kernel/recovery.h"
#include "mm/support/contract.h"

namespace keel {
namespace {

// 0: running; 1: panicking; 2: panicked while panicking; 3+: give up printing.
constinit std::atomic<unsigned> g_panic_depth{0};
constinit unsigned g_this_depth = 0;  // depth of the panic being printed

}  // namespace

bool panic_in_progress() { return g_panic_depth.load(std::memory_order_relaxed) != 0; }

[[noreturn]] void panic_halt() {
  arch::qemu_debug_exit(arch::QEMU_EXIT_PANIC);
  arch::halt_forever();
}

namespace panic_detail {

fmt::Sink& begin() {
  arch::cli();
  const unsigned depth = g_panic_depth.fetch_add(1, std::memory_order_acq_rel) + 1;
  if (depth >= 3) panic_halt();
  g_this_depth = depth;
  // The panic may have hit while this CPU held the console lock (e.g. a fault inside a
  // console driver); waiting for it would hang with nothing printed.
  console::force_unlock_for_panic();
  fmt::Sink& sink = console::sink();
  sink.write(depth == 1 ? "\nKERNEL PANIC: " : "\nKERNEL PANIC (nested, during panic): ");
  return sink;
}

[[noreturn]] void finish_with_backtrace(std::uint64_t rbp) {
  if (g_this_depth == 1) print_backtrace(console::sink(), rbp);
  finish();
}

[[noreturn]] void finish() {
  // A test or benchmark runner (kernel/recovery.h) resumes after the panic it caught.
  if (const kernel::PanicRecovery* recovery = kernel::g_panic_recovery;
      g_this_depth == 1 && recovery != nullptr) {
    fmt::print(console::sink(), "(panic caught by the {} runner)\n", recovery->runner);
    g_this_depth = 0;
    g_panic_depth.store(0, std::memory_order_release);
    recovery->resume();
  }
  console::sink().write(g_this_depth == 1 ? "System halted.\n" : "Halting.\n");
  panic_halt();
}

}  // namespace panic_detail

// mm/support/contract.h: KASSERT, KREQUIRES and KENSURES land here in the kernel.
[[noreturn]] void contract_violation(const char* kind, const char* condition, const char* detail,
                                     std::source_location where) {
  fmt::Sink& sink = panic_detail::begin();
  fmt::print(sink, "contract violation ({}): {} at {}:{} in {}\n", kind, condition,
             where.file_name(), where.line(), where.function_name());
  if (detail != nullptr) fmt::print(sink, "  detail: {}\n", detail);
  panic_detail::finish_with_backtrace(reinterpret_cast<std::uint64_t>(__builtin_frame_address(0)));
}

}  // namespace keel
