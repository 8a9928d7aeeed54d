// Exception and interrupt dispatch: where every IDT vector lands (via exception_entry.S).
//
// Order: (0) g_bring_up_trap_hook sees it first (a CPU still being started may claim
// it); (1) a vector >= 32 with a registered interrupt handler (local APIC: IPIs, spurious,
// error) goes to it; (2) a guarded call on this CPU (guarded_call.h: the runners, the fault
// probe) may claim the trap; (3) other vectors >= 32 are logged as unexpected and ignored;
// (4) everything else is fatal: a full register/decoded report and a backtrace, then
// panic. (The NMI of another CPU's final panic halts this one before (1).)
#pragma once

#include "arch/x86_64/exception_info.h"  // exception_name() and VECTOR_* for users
#include "arch/x86_64/trap_frame.h"
#include "lib/fmt/format.h"

namespace arch {

// Called first for every trap, before anything that reads per-CPU data (the fault probe
// and the panic path do): a CPU still being started has none yet. Returns when the trap
// is not its concern (then dispatch goes on as below); does not return when it claims it.
// Set once, before the first AP is started, by the code that starts them.
using BringUpTrapHook = void (*)(const TrapFrame& frame);
inline constinit BringUpTrapHook g_bring_up_trap_hook = nullptr;

// An interrupt handler (vector 32..255). Runs on the interrupted stack with IF=0; it
// signals end-of-interrupt itself where the source needs one (local_apic.h).
using InterruptHandler = void (*)(TrapFrame& frame);
// Installs `handler` for `vector` on every CPU (the IDT is shared). Requires vector >= 32.
void set_interrupt_handler(std::uint8_t vector, InterruptHandler handler);

// The fatal report: vector and name, decoded error code, RIP (symbolized), control
// registers, RFLAGS, segments and all GPRs, then a backtrace from the frame's RBP chain.
void print_exception_report(keel::fmt::Sink& sink, const TrapFrame& frame);

}  // namespace arch

extern "C" void x86_exception_dispatch(arch::TrapFrame* frame);
