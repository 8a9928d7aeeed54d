// The kernel's last words: panic() and the contract_violation() behind KASSERT/KREQUIRES.
//
//   panic("frame {:#x} freed twice (order {})", pa, order);
//
// prints "KERNEL PANIC: frame 0x1000 freed twice (order 0)" ("KERNEL PANIC on CPU 2: ..."
// with several CPUs online) and a symbolized backtrace to
// every console, then ends a QEMU run with QEMU_EXIT_PANIC (exit status 37) or halts the
// CPU forever. A panic while panicking prints one short line and halts; a third level
// halts silently (the console itself may be what is broken). Inside a guarded call that
// claims panics on this CPU (arch/x86_64/guarded_call.h: a ktest, a benchmark), the report
// is printed and control returns to that guard instead.
//
// panic() lives in the global namespace (like the C library's abort()), so every file can
// call it; inside namespace kernel, whose kernel::panic names this folder, it is ::panic.
#pragma once

#include <cstdint>
#include <string_view>

#include "lib/fmt/format.h"

namespace kernel::panic {

namespace detail {
// Disables interrupts and enters the panic state; returns the console sink with
// "\nKERNEL PANIC: " already written. Does not return at nesting depth >= 3.
keel::fmt::Sink& begin();
// Ends the message: prints a backtrace from `rbp` (skipped for a nested panic), then
// hands over to a guarded call on this CPU that claims panics, or halts.
[[noreturn]] void finish_with_backtrace(std::uint64_t rbp);
// Same, without a backtrace (the caller printed one).
[[noreturn]] void finish();
}  // namespace detail

// True once a panic (or fatal exception report) has started.
bool panic_in_progress();

// A CPU other than this one is reporting a panic (this one should stop: it is being
// halted by an NMI, or its own report waits for that one).
bool another_cpu_is_panicking();

// Called by a final panic (one no runner recovers) with other CPUs online, to halt them
// so they neither run on nor print into the report. Set by SMP init.
void set_stop_other_cpus(void (*stop)());

// qemu_debug_exit(QEMU_EXIT_PANIC), then halt this CPU forever.
[[noreturn]] void panic_halt();

}  // namespace kernel::panic

template <typename... Args>
[[noreturn, gnu::noinline, gnu::cold]] void panic(std::string_view format, const Args&... args) {
  keel::fmt::Sink& sink = kernel::panic::detail::begin();
  keel::fmt::print(sink, format, args...);
  sink.write("\n");
  kernel::panic::detail::finish_with_backtrace(
      reinterpret_cast<std::uint64_t>(__builtin_frame_address(0)));
}
