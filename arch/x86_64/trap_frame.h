// The register snapshot exception_entry.S builds on the stack for every trap.
//
// Layout, from the lowest address: the 15 GPRs the common stub pushes (rax first, so it
// lands highest), the vector and error code the per-vector stub pushes (a dummy 0 where the
// CPU pushes none), then the CPU's own interrupt frame (rip, cs, rflags, rsp, ss).
// exception_entry.S hard-codes these offsets; the static_asserts keep both in step.
#pragma once

#include <cstddef>
#include <cstdint>

namespace arch {

struct TrapFrame {
  std::uint64_t r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
  std::uint64_t vector, error_code;
  std::uint64_t rip, cs, rflags, rsp, ss;  // pushed by the CPU; iretq pops them
};

// Offsets used by exception_entry.S (TF_* there).
static_assert(offsetof(TrapFrame, r15) == 0);
static_assert(offsetof(TrapFrame, rbp) == 8 * 8);
static_assert(offsetof(TrapFrame, rax) == 14 * 8);
static_assert(offsetof(TrapFrame, vector) == 15 * 8);
static_assert(offsetof(TrapFrame, error_code) == 16 * 8);
static_assert(offsetof(TrapFrame, rip) == 17 * 8);
static_assert(offsetof(TrapFrame, ss) == 21 * 8);
static_assert(sizeof(TrapFrame) == 22 * 8);
// 22 qwords: a multiple of 16 bytes, so the stack stays 16-aligned after the CPU's own
// (16-aligned) push in 64-bit mode.
static_assert(sizeof(TrapFrame) % 16 == 0);

}  // namespace arch
