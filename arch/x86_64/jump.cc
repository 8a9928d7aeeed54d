#include "arch/x86_64/jump.h"

namespace arch {

void redirect_trap_to_jump(TrapFrame& frame, const JumpBuffer& buf, int value) {
  // Exactly what keel_longjmp does, but through the frame iretq will pop.
  frame.rbx = buf.rbx;
  frame.rbp = buf.rbp;
  frame.r12 = buf.r12;
  frame.r13 = buf.r13;
  frame.r14 = buf.r14;
  frame.r15 = buf.r15;
  frame.rsp = buf.rsp;
  frame.rip = buf.rip;
  frame.rflags = buf.rflags;
  frame.rax = static_cast<std::uint32_t>(value != 0 ? value : 1);
}

}  // namespace arch
