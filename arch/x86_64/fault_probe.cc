#include "arch/x86_64/fault_probe.h"

#include <array>
#include <atomic>

#include "arch/x86_64/exception_info.h"
#include "arch/x86_64/jump.h"
#include "mm/hal.h"

namespace arch {
namespace {
// The probe in flight on each CPU (crash-time reads may run before per-CPU data exists).
constinit std::array<JumpBuffer*, mm::hal::MAX_CPUS> g_active_probe{};
JumpBuffer*& this_cpu_probe() { return g_active_probe[mm::hal::current_cpu_even_early()]; }
}  // namespace

bool try_read_u64(std::uint64_t addr, std::uint64_t& out) {
  JumpBuffer buf;
  JumpBuffer*& active = this_cpu_probe();
  JumpBuffer* const outer = active;  // nested probes (a fault while probing) unwind
  active = &buf;
  std::atomic_signal_fence(std::memory_order_seq_cst);  // publish before the risky read
  if (keel_setjmp(&buf) != 0) {
    active = outer;
    return false;
  }
  out = *reinterpret_cast<const volatile std::uint64_t*>(addr);
  std::atomic_signal_fence(std::memory_order_seq_cst);
  active = outer;
  return true;
}

bool fault_probe_recover(TrapFrame& frame) {
  JumpBuffer*& active = this_cpu_probe();
  JumpBuffer* const probe = active;
  if (probe == nullptr) return false;
  if (frame.vector != VECTOR_PAGE_FAULT && frame.vector != VECTOR_GENERAL_PROTECTION &&
      frame.vector != VECTOR_STACK_FAULT) {
    return false;
  }
  active = nullptr;
  redirect_trap_to_jump(frame, *probe, 1);
  return true;
}

}  // namespace arch
