// CPU instruction costs that set the scale for everything else (under a hypervisor CPUID
// is a VM exit: this is the exit round-trip).
#define KBENCH_SUITE "cpu"
#include "arch/x86_64/cpu.h"
#include "kernel/kbench/kbench.h"

namespace kernel::kbench {
namespace {

KBENCH(cpuid) {
  for (auto _ : state) {
    const arch::CpuidResult r = arch::cpuid(0);
    kernel::kbench::do_not_optimize(r);
  }
}

}  // namespace

}  // namespace kernel::kbench
