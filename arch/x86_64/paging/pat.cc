#include "arch/x86_64/paging/pat.h"

#include "arch/x86_64/cpu.h"
#include "mm/hal.h"

namespace arch::paging {

bool program_pat() {
  if ((cpuid(1).edx & (1u << 16)) == 0) return false;
  // Only entry 4 changes, from WB to WC, and nothing is mapped WC yet at boot: no stale
  // cache lines of another type can exist, so no cache flush is needed around the write.
  wrmsr(MSR_IA32_PAT, KEEL_PAT);
  mm::hal::tlb_flush_all();
  return true;
}

}  // namespace arch::paging
