#include "arch/x86_64/fault_probe.h"

#include "arch/x86_64/exception_info.h"
#include "arch/x86_64/guarded_call.h"

namespace arch {

bool try_read_u64(std::uint64_t addr, std::uint64_t& out) {
  // Only the faults a bad address raises; anything else (and any panic) is not the
  // probe's to absorb and goes to the guards outside it, or is fatal.
  static constexpr GuardOptions PROBE{
      .name = "fault probe",
      .exceptions = exception_bit(VECTOR_PAGE_FAULT) | exception_bit(VECTOR_GENERAL_PROTECTION) |
                    exception_bit(VECTOR_STACK_FAULT),
      .panics = false,
  };
  std::uint64_t value = 0;
  const GuardedOutcome outcome =
      guarded_call(PROBE, [&] { value = *reinterpret_cast<const volatile std::uint64_t*>(addr); });
  if (!outcome.returned()) return false;
  out = value;
  return true;
}

}  // namespace arch
