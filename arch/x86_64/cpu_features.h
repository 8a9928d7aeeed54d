// What this CPU (or the CPU a hypervisor pretends to be) supports, read once via CPUID.
#pragma once

#include <cstdint>

#include "lib/fmt/format.h"

namespace arch {

struct CpuFeatures {
  char vendor[13];             // "GenuineIntel", "AuthenticAMD", ...
  char model[49];              // brand string, leading spaces trimmed ("" if absent)
  std::uint32_t family, model_id, stepping;  // display values (extended fields folded in)
  bool long_mode, pae, nx, pages_1g, la57, invariant_tsc, x2apic, hypervisor, pcid,
      global_pages, tsc_deadline;
  char hypervisor_vendor[13];  // leaf 0x40000000 signature ("KVMKVMKVM", "TCGTCGTCGTCG", ...)
  std::uint8_t phys_addr_bits, virt_addr_bits;
  std::uint32_t max_leaf, max_ext_leaf;
};

// Runs CPUID the first time and caches the result. Call first on the boot CPU before any
// other CPU runs (the cache is not synchronized).
const CpuFeatures& detect_cpu_features();

// True under QEMU (TCG) or any KVM-based VMM: the hypervisor bit is set and leaf
// 0x40000000 says "TCGTCGTCGTCG" or "KVMKVMKVM\0\0\0".
bool running_under_qemu_or_kvm();

// One line per feature keel makes a decision on.
void print_cpu_features(keel::fmt::Sink& sink);

}  // namespace arch
