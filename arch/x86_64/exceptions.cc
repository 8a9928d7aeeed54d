#include "arch/x86_64/exceptions.h"

#include <atomic>
#include <cstdint>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/exception_info.h"
#include "arch/x86_64/guarded_call.h"
#include "arch/x86_64/pic.h"
#include "kernel/console.h"
#include "kernel/panic/backtrace.h"
#include "kernel/panic/panic.h"
#include "kernel/panic/symbols.h"
#include "lib/contract/contract.h"

namespace arch {
namespace {

// Per-vector counts of unexpected interrupts; the first few of each are logged.
constinit std::uint32_t g_unexpected_irqs[256] = {};
constexpr std::uint32_t UNEXPECTED_IRQ_LOG_LIMIT = 4;

void print_reg_row(keel::fmt::Sink& s, const char* n1, std::uint64_t v1, const char* n2,
                   std::uint64_t v2, const char* n3, std::uint64_t v3) {
  keel::fmt::print(s, "  {:>3} {:#018x}  {:>3} {:#018x}  {:>3} {:#018x}\n", n1, v1, n2, v2, n3, v3);
}

void handle_unexpected_interrupt(const TrapFrame& f) {
  const std::uint32_t count = ++g_unexpected_irqs[f.vector & 0xff];
  if (count > UNEXPECTED_IRQ_LOG_LIMIT) return;
  keel::fmt::Sink& s = kernel::console_sink();
  keel::fmt::print(s, "warning: unexpected interrupt vector {} ({:#x}){} at ", f.vector, f.vector,
             is_legacy_pic_spurious_vector(f.vector) ? ", a spurious 8259 IRQ" : "");
  kernel::panic::print_address(s, f.rip, false);
  keel::fmt::print(s, " (occurrence {}{})\n", count,
             count == UNEXPECTED_IRQ_LOG_LIMIT ? ", no longer logged" : "");
}

}  // namespace

void print_exception_report(keel::fmt::Sink& s, const TrapFrame& f) {
  const bool user = (f.cs & 3) != 0;
  keel::fmt::print(s, "{} {} (vector {}) in {} mode\n", exception_mnemonic(f.vector),
             exception_name(f.vector), f.vector, user ? "user" : "kernel");

  if (f.vector == VECTOR_PAGE_FAULT) {
    keel::fmt::print(s, "  error code {:#x}: ", f.error_code);
    format_page_fault_error(s, f.error_code);
    const std::uint64_t cr2 = read_cr2();
    keel::fmt::print(s, "\n  faulting address (CR2) {:#018x}{}\n", cr2,
               cr2 < 0x1000 ? "  (null pointer dereference?)" : "");
  } else if (exception_has_selector_error(f.vector)) {
    keel::fmt::print(s, "  error code {:#x}: ", f.error_code);
    format_selector_error(s, f.error_code);
    if (f.vector == VECTOR_GENERAL_PROTECTION && f.error_code == 0) {
      s.write(" -- e.g. a non-canonical address, privileged instruction or bad MSR");
    }
    s.write("\n");
  } else if (exception_has_error_code(f.vector)) {
    keel::fmt::print(s, "  error code {:#x}\n", f.error_code);
  }

  // #DF after a #PF just below the stack pointer: the classic kernel stack overflow (the
  // CPU could not push the #PF frame onto the exhausted stack).
  const std::uint64_t cr2_now = read_cr2();
  if ((f.vector == VECTOR_DOUBLE_FAULT || f.vector == VECTOR_PAGE_FAULT) && cr2_now < f.rsp + 64 &&
      cr2_now + 64 * 1024 > f.rsp) {
    keel::fmt::print(s, "  CR2 {:#x} is just below RSP: kernel stack overflow?\n", cr2_now);
  }

  s.write("  RIP ");
  kernel::panic::print_address(s, f.rip, false);
  keel::fmt::print(s, "\n  RSP {:#018x}  RFLAGS {:#x} ", f.rsp, f.rflags);
  format_rflags(s, f.rflags);
  keel::fmt::print(s, "  CS {:#x}  SS {:#x}\n", f.cs, f.ss);
  keel::fmt::print(s, "  CR0 {:#018x}  CR2 {:#018x}\n  CR3 {:#018x}  CR4 {:#018x}\n", read_cr0(),
             read_cr2(), read_cr3(), read_cr4());
  print_reg_row(s, "RAX", f.rax, "RBX", f.rbx, "RCX", f.rcx);
  print_reg_row(s, "RDX", f.rdx, "RSI", f.rsi, "RDI", f.rdi);
  print_reg_row(s, "RBP", f.rbp, "R8", f.r8, "R9", f.r9);
  print_reg_row(s, "R10", f.r10, "R11", f.r11, "R12", f.r12);
  print_reg_row(s, "R13", f.r13, "R14", f.r14, "R15", f.r15);
  kernel::panic::print_backtrace(s, f.rbp, f.rip);
}

}  // namespace arch

namespace arch {
namespace {
// Written at init (before the vector can fire) and read by every CPU in the dispatcher:
// relaxed is enough since set_interrupt_handler happens-before the IPI that could use it
// (the sender's ICR write follows the store in program order, and the APIC delivers
// after it).
constinit std::atomic<InterruptHandler> g_interrupt_handlers[256] = {};
}  // namespace

void set_interrupt_handler(std::uint8_t vector, InterruptHandler handler) {
  KREQUIRES(vector >= NUM_EXCEPTION_VECTORS);
  g_interrupt_handlers[vector].store(handler, std::memory_order_release);
}

}  // namespace arch

extern "C" void x86_exception_dispatch(arch::TrapFrame* frame) {
  using namespace arch;
  TrapFrame& f = *frame;
  if (const BringUpTrapHook hook = g_bring_up_trap_hook; hook != nullptr) hook(f);
  // The NMI of another CPU's final panic (kernel::panic::set_stop_other_cpus): stop here, silently.
  if (f.vector == VECTOR_NMI && kernel::panic::another_cpu_is_panicking()) halt_forever();
  if (f.vector >= NUM_EXCEPTION_VECTORS && f.vector < 256) {
    if (const InterruptHandler handler =
            g_interrupt_handlers[f.vector].load(std::memory_order_acquire)) {
      handler(f);
      return;
    }
  }
  if (guard_claim_trap(f)) return;
  if (f.vector >= NUM_EXCEPTION_VECTORS) {
    if (!kernel::panic::panic_in_progress()) handle_unexpected_interrupt(f);
    return;
  }

  const bool nested = kernel::panic::panic_in_progress();
  keel::fmt::Sink& s = kernel::panic::detail::begin();
  if (nested) {
    // Keep it to one line: the full report is what may have faulted.
    keel::fmt::print(s, "{} {} at rip {:#x} error {:#x} cr2 {:#x}\n", exception_mnemonic(f.vector),
               exception_name(f.vector), f.rip, f.error_code, read_cr2());
    kernel::panic::detail::finish();
  }
  s.write("unhandled exception\n");
  print_exception_report(s, f);
  kernel::panic::detail::finish();
}
