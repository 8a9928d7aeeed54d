#include "arch/x86_64/fault_probe.h"

#include <atomic>

#include "arch/x86_64/exception_info.h"
#include "arch/x86_64/jump.h"

namespace arch {
namespace {
constinit JumpBuffer* g_active_probe = nullptr;
}  // namespace

bool try_read_u64(std::uint64_t addr, std::uint64_t& out) {
  JumpBuffer buf;
  JumpBuffer* const outer = g_active_probe;  // nested probes (a fault while probing) unwind
  g_active_probe = &buf;
  std::atomic_signal_fence(std::memory_order_seq_cst);  // publish before the risky read
  if (keel_setjmp(&buf) != 0) {
    g_active_probe = outer;
    return false;
  }
  out = *reinterpret_cast<const volatile std::uint64_t*>(addr);
  std::atomic_signal_fence(std::memory_order_seq_cst);
  g_active_probe = outer;
  return true;
}

bool fault_probe_recover(TrapFrame& frame) {
  JumpBuffer* const probe = g_active_probe;
  if (probe == nullptr) return false;
  if (frame.vector != VECTOR_PAGE_FAULT && frame.vector != VECTOR_GENERAL_PROTECTION &&
      frame.vector != VECTOR_STACK_FAULT) {
    return false;
  }
  g_active_probe = nullptr;
  redirect_trap_to_jump(frame, *probe, 1);
  return true;
}

}  // namespace arch
