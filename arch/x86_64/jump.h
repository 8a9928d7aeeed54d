// A minimal setjmp/longjmp for kernel code, plus redirecting a trap into a setjmp point.
//
// Only callee-saved state is kept (SysV: rbx, rbp, r12-r15, rsp, rip) and RFLAGS, so a
// jump comes back with interrupts enabled or disabled as they were at keel_setjmp (a panic
// disables them before its recovery jumps); keel has no FPU/SSE state to preserve.
// Recovery from a fault or panic is built on these in one place, guarded_call.h; use that
// rather than pairing a setjmp with a hook by hand.
#pragma once

#include <cstddef>
#include <cstdint>

#include "arch/x86_64/trap_frame.h"

namespace arch {

struct JumpBuffer {
  std::uint64_t rbx, rbp, r12, r13, r14, r15, rsp, rip, rflags;
};
// jump.S hard-codes these offsets.
static_assert(offsetof(JumpBuffer, rbx) == 0);
static_assert(offsetof(JumpBuffer, r15) == 40);
static_assert(offsetof(JumpBuffer, rsp) == 48);
static_assert(offsetof(JumpBuffer, rip) == 56);
static_assert(offsetof(JumpBuffer, rflags) == 64);

// Rewrites `frame` so that iretq resumes in the keel_setjmp call that filled `buf`, with
// keel_setjmp returning `value` (0 becomes 1, as with longjmp). The frame of the function
// that called keel_setjmp must still be live (it must not have returned).
void redirect_trap_to_jump(TrapFrame& frame, const JumpBuffer& buf, int value);

}  // namespace arch

// returns_twice: the compiler must not keep values in caller-saved registers across it.
extern "C" [[gnu::returns_twice]] int keel_setjmp(arch::JumpBuffer* buf);
extern "C" [[noreturn]] void keel_longjmp(arch::JumpBuffer* buf, int value);
