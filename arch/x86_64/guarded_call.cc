#include "arch/x86_64/guarded_call.h"

#include <array>
#include <atomic>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/exception_info.h"  // NUM_EXCEPTION_VECTORS
#include "mm/hal.h"

namespace arch {
namespace guard_detail {
namespace {

constexpr int RESUMED_FROM_FAULT = 1;
constexpr int RESUMED_FROM_PANIC = 2;

// The innermost guard on each CPU. current_cpu_even_early(): the fault probe guards
// crash-time reads that may come before per-CPU data exists. Only the owning CPU touches
// its slot, from its own code or its own trap handlers (which nest inside that code), so
// compiler fences suffice.
constinit std::array<Guard*, mm::hal::MAX_CPUS> g_innermost{};
Guard*& this_cpu_innermost() { return g_innermost[mm::hal::current_cpu_even_early()]; }

bool claims(const GuardOptions& options, const TrapFrame& frame) {
  if (frame.vector < NUM_EXCEPTION_VECTORS) {
    return (options.exceptions & exception_bit(static_cast<std::uint8_t>(frame.vector))) != 0;
  }
  return options.unexpected_interrupts;
}

}  // namespace

GuardedOutcome guarded_call_erased(const GuardOptions& options, void (*thunk)(void*), void* fn) {
  Guard guard{};
  guard.options = &options;
  Guard*& innermost = this_cpu_innermost();
  guard.outer = innermost;
  innermost = &guard;
  std::atomic_signal_fence(std::memory_order_seq_cst);  // installed before the body runs
  if (keel_setjmp(&guard.resume) == 0) thunk(fn);
  // Every way back lands here: a return, or a jump from a trap or panic this guard claimed
  // (which has made it the innermost again, dropping any guards the body left behind).
  std::atomic_signal_fence(std::memory_order_seq_cst);
  innermost = guard.outer;
  return guard.outcome;
}

}  // namespace guard_detail

using guard_detail::Guard;

bool guard_claim_trap(TrapFrame& frame) {
  Guard*& innermost = guard_detail::this_cpu_innermost();
  Guard* guard = innermost;
  while (guard != nullptr && !guard_detail::claims(*guard->options, frame)) guard = guard->outer;
  if (guard == nullptr) return false;
  guard->outcome.end = GuardedOutcome::End::Faulted;
  guard->outcome.fault = FaultInfo{
      .vector = frame.vector,
      .error_code = frame.error_code,
      .rip = frame.rip,
      .cr2 = read_cr2(),
  };
  innermost = guard;  // the guards inside it end with the frames the jump unwinds
  if (guard->options->on_catch != nullptr) guard->options->on_catch(guard->options->arg, &frame);
  redirect_trap_to_jump(frame, guard->resume, guard_detail::RESUMED_FROM_FAULT);
  return true;
}

namespace {
Guard* panic_guard() {
  Guard* guard = guard_detail::this_cpu_innermost();
  while (guard != nullptr && !guard->options->panics) guard = guard->outer;
  return guard;
}
}  // namespace

const char* guard_for_panic() {
  const Guard* guard = panic_guard();
  return guard != nullptr ? guard->options->name : nullptr;
}

void guard_resume_panic() {
  Guard* const guard = panic_guard();
  if (guard == nullptr) {
    // guard_for_panic() said there was one; nothing can have removed it since.
    halt_forever();
  }
  guard->outcome.end = GuardedOutcome::End::Panicked;
  guard_detail::this_cpu_innermost() = guard;
  if (guard->options->on_catch != nullptr) guard->options->on_catch(guard->options->arg, nullptr);
  keel_longjmp(&guard->resume, guard_detail::RESUMED_FROM_PANIC);
}

}  // namespace arch
