#include "arch/x86_64/cpu_features.h"

#include <cstring>

#include "arch/x86_64/cpu.h"

namespace arch {
namespace {

constinit CpuFeatures g_features{};
constinit bool g_detected = false;

bool bit(std::uint32_t reg, unsigned n) { return ((reg >> n) & 1) != 0; }

// CPUID returns strings as little-endian register contents.
template <std::size_t N>
void store_regs(char* out, const std::uint32_t (&regs)[N]) {
  for (std::uint32_t r : regs) {
    std::memcpy(out, &r, 4);
    out += 4;
  }
}

void detect(CpuFeatures& f) {
  const CpuidResult l0 = cpuid(0);
  f.max_leaf = l0.eax;
  store_regs(f.vendor, {l0.ebx, l0.edx, l0.ecx});
  f.vendor[12] = '\0';

  if (f.max_leaf >= 1) {
    const CpuidResult l1 = cpuid(1);
    const std::uint32_t base_family = (l1.eax >> 8) & 0xf;
    const std::uint32_t base_model = (l1.eax >> 4) & 0xf;
    f.stepping = l1.eax & 0xf;
    f.family = base_family == 0xf ? base_family + ((l1.eax >> 20) & 0xff) : base_family;
    f.model_id = (base_family == 0x6 || base_family == 0xf)
                     ? base_model + (((l1.eax >> 16) & 0xf) << 4)
                     : base_model;
    f.pae = bit(l1.edx, 6);
    f.global_pages = bit(l1.edx, 13);
    f.pcid = bit(l1.ecx, 17);
    f.x2apic = bit(l1.ecx, 21);
    f.tsc_deadline = bit(l1.ecx, 24);
    f.hypervisor = bit(l1.ecx, 31);
  }
  if (f.max_leaf >= 7) f.la57 = bit(cpuid(7, 0).ecx, 16);

  f.max_ext_leaf = cpuid(0x8000'0000).eax;
  if (f.max_ext_leaf < 0x8000'0000 || f.max_ext_leaf > 0x8000'ffff) f.max_ext_leaf = 0;
  if (f.max_ext_leaf >= 0x8000'0001) {
    const CpuidResult e1 = cpuid(0x8000'0001);
    f.nx = bit(e1.edx, 20);
    f.pages_1g = bit(e1.edx, 26);
    f.long_mode = bit(e1.edx, 29);
  }
  if (f.max_ext_leaf >= 0x8000'0004) {
    char brand[49] = {};
    for (std::uint32_t i = 0; i < 3; ++i) {
      const CpuidResult b = cpuid(0x8000'0002 + i);
      store_regs(brand + 16 * i, {b.eax, b.ebx, b.ecx, b.edx});
    }
    const char* start = brand;
    while (*start == ' ') ++start;
    std::size_t n = std::strlen(start);
    while (n > 0 && start[n - 1] == ' ') --n;
    std::memcpy(f.model, start, n);
    f.model[n] = '\0';
  }
  if (f.max_ext_leaf >= 0x8000'0007) f.invariant_tsc = bit(cpuid(0x8000'0007).edx, 8);
  if (f.max_ext_leaf >= 0x8000'0008) {
    const CpuidResult e8 = cpuid(0x8000'0008);
    f.phys_addr_bits = static_cast<std::uint8_t>(e8.eax & 0xff);
    f.virt_addr_bits = static_cast<std::uint8_t>((e8.eax >> 8) & 0xff);
  } else {
    // The architectural defaults when the leaf is missing.
    f.phys_addr_bits = f.pae ? 36 : 32;
    f.virt_addr_bits = 48;
  }

  if (f.hypervisor) {
    const CpuidResult h = cpuid(0x4000'0000);
    store_regs(f.hypervisor_vendor, {h.ebx, h.ecx, h.edx});
    f.hypervisor_vendor[12] = '\0';
  }
}

const char* yes_no(bool b) { return b ? "yes" : "no"; }

}  // namespace

const CpuFeatures& detect_cpu_features() {
  if (!g_detected) {
    detect(g_features);
    g_detected = true;
  }
  return g_features;
}

bool running_under_qemu_or_kvm() {
  const CpuFeatures& f = detect_cpu_features();
  if (!f.hypervisor) return false;
  // Compare all 12 bytes: KVM pads its 9-character signature with NULs.
  return std::memcmp(f.hypervisor_vendor, "TCGTCGTCGTCG", 12) == 0 ||
         std::memcmp(f.hypervisor_vendor, "KVMKVMKVM\0\0\0", 12) == 0;
}

void print_cpu_features(keel::fmt::Sink& s) {
  const CpuFeatures& f = detect_cpu_features();
  keel::fmt::print(s, "cpu: {} family {:#x} model {:#x} stepping {} \"{}\"\n", f.vendor, f.family,
             f.model_id, f.stepping, f.model);
  if (f.hypervisor) {
    keel::fmt::print(s, "cpu: hypervisor: yes (\"{}\"{})\n", f.hypervisor_vendor,
               running_under_qemu_or_kvm() ? ", QEMU/KVM: isa-debug-exit enabled" : "");
  } else {
    keel::fmt::print(s, "cpu: hypervisor: no (bare metal)\n");
  }
  keel::fmt::print(s, "cpu: long mode: {}, PAE: {}, global pages: {}, PCID: {}\n", yes_no(f.long_mode),
             yes_no(f.pae), yes_no(f.global_pages), yes_no(f.pcid));
  keel::fmt::print(s, "cpu: 1 GiB pages: {}{}\n", yes_no(f.pages_1g),
             f.pages_1g ? "" : " (linear map falls back to 2 MiB pages)");
  keel::fmt::print(s, "cpu: LA57 (5-level paging): {}{}\n", yes_no(f.la57),
             f.la57 ? " (keel runs with 5-level page tables)" : " (4-level page tables)");
  keel::fmt::print(s, "cpu: NX: {}{}\n", yes_no(f.nx), f.nx ? "" : " (WARNING: data pages executable)");
  keel::fmt::print(s, "cpu: invariant TSC: {}{}\n", yes_no(f.invariant_tsc),
             f.invariant_tsc ? "" : " (TSC rate may change with P-states)");
  keel::fmt::print(s, "cpu: x2APIC: {}, TSC deadline: {}\n", yes_no(f.x2apic), yes_no(f.tsc_deadline));
  keel::fmt::print(s, "cpu: physical address bits: {}, virtual address bits: {}\n", f.phys_addr_bits,
             f.virt_addr_bits);
}

}  // namespace arch
