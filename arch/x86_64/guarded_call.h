// A guarded call: run a function and come back even if it faults or panics.
//
//   arch::GuardedOutcome out = arch::guarded_call({.name = "ktest"}, [&] { body(); });
//   if (out.faulted()) { ... out.fault.vector, out.fault.rip ... }
//   else if (out.panicked()) { ... the report is on the console ... }
//
// Every user of keel_setjmp for recovery goes through this: the ktest and kbench runners,
// tests that catch a fault or panic themselves, and the crash-time fault probe.
//
// Guards are per CPU and nest: each CPU has a chain of the guards active on it, innermost
// first. A trap that reaches x86_exception_dispatch's guard step, or a panic, walks this
// CPU's chain from the innermost guard outwards and is handed to the first guard whose
// options claim it; the guards inside that one are abandoned (their frames are unwound by
// the jump). A guard installs itself on entry and, on every way out (return, fault,
// panic), leaves the chain as it found it, so an outer guard is in force again as soon as
// an inner one ends.
//
// On an AP: a fault or panic is only ever handed to a guard installed on the CPU where it
// happened (its jump target must be on that CPU's stack). The runners guard on the boot
// CPU only; code they make an AP run (a cross-CPU call, an every-CPU benchmark) runs
// without a guard there, so a fault or panic on the AP takes the ordinary, final path.
// Only the fault probe (fault_probe.h) guards on every CPU.
//
// The outcome is returned after the jump: interrupts are enabled or disabled as they were
// when guarded_call was entered (keel_setjmp keeps RFLAGS), and destructors of the body's
// frames have not run (a caller that needs cleanup does it in on_catch, or after).
#pragma once

#include <cstdint>
#include <type_traits>
#include <utility>

#include "arch/x86_64/jump.h"
#include "arch/x86_64/trap_frame.h"

namespace arch {

// Exception vector bits for GuardOptions::exceptions.
constexpr std::uint32_t exception_bit(std::uint8_t vector) { return std::uint32_t{1} << vector; }
inline constexpr std::uint32_t EVERY_EXCEPTION = ~std::uint32_t{0};

struct GuardOptions {
  // Named in the report of a panic this guard catches: "(panic caught by the <name> guard)".
  const char* name = "guarded call";
  // The CPU exceptions (vectors 0..31, one bit each) this guard claims; any other trap is
  // left to the guards outside it, and then to the ordinary (fatal) path.
  std::uint32_t exceptions = EVERY_EXCEPTION;
  // Also claim a vector >= 32 with no interrupt handler (else logged and ignored).
  bool unexpected_interrupts = false;
  // Claim a panic on this CPU (it has printed its report; the guard resumes after it).
  bool panics = true;
  // Called on the CPU that trapped or panicked, before the jump, while the body's frames
  // still exist: with the trap's frame for a fault, nullptr for a panic. For reports the
  // outcome cannot carry (the full register dump) and cleanup of what the jump skips.
  void (*on_catch)(void* arg, const TrapFrame* frame) = nullptr;
  void* arg = nullptr;
};

// What a claimed trap looked like (the frame itself is gone once the guard resumes).
struct FaultInfo {
  std::uint64_t vector = 0;
  std::uint64_t error_code = 0;  // 0 for a vector that pushes none
  std::uint64_t rip = 0;
  // CR2 at the trap: the faulting address of a #PF, or of the #PF a #DF could not
  // deliver (a stack overflow); for other vectors, whatever the last #PF left there.
  std::uint64_t cr2 = 0;
};

struct GuardedOutcome {
  enum class End : std::uint8_t { Returned, Faulted, Panicked };
  End end = End::Returned;
  FaultInfo fault{};  // when Faulted

  bool returned() const { return end == End::Returned; }
  bool faulted() const { return end == End::Faulted; }
  bool panicked() const { return end == End::Panicked; }
};

namespace guard_detail {

// One active guard, in the frame of guarded_call_erased.
struct Guard {
  JumpBuffer resume;
  const GuardOptions* options;
  Guard* outer;
  GuardedOutcome outcome;
};

GuardedOutcome guarded_call_erased(const GuardOptions& options, void (*thunk)(void*), void* fn);

}  // namespace guard_detail

// Calls fn() under a guard (see the top of this file); returns how it ended.
template <typename Fn>
GuardedOutcome guarded_call(const GuardOptions& options, Fn&& fn) {
  using F = std::remove_reference_t<Fn>;
  return guard_detail::guarded_call_erased(
      options, [](void* f) { (*static_cast<F*>(f))(); },
      const_cast<void*>(static_cast<const void*>(&fn)));
}

// For x86_exception_dispatch, for a trap no interrupt handler took: if a guard on this CPU
// claims it, rewrites `frame` to resume in that guard and returns true.
bool guard_claim_trap(TrapFrame& frame);

// For the panic path: the name of the guard on this CPU that claims a panic, or nullptr
// (the panic is final). The caller leaves its panic state and calls guard_resume_panic().
const char* guard_for_panic();
[[noreturn]] void guard_resume_panic();

}  // namespace arch
