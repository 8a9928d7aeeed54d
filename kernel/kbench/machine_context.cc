#include "kernel/kbench/machine_context.h"

#include <cstring>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpu_features.h"
#include "kernel/kbench/cpu_caches.h"
#include "mm/memmap/firmware_types.h"

namespace kernel::kbench {
namespace {

constexpr std::uint16_t CMOS_INDEX = 0x70;
constexpr std::uint16_t CMOS_DATA = 0x71;
constexpr std::uint8_t STATUS_A = 0x0a;
constexpr std::uint8_t STATUS_B = 0x0b;
constexpr std::uint8_t UPDATE_IN_PROGRESS = 0x80;

std::uint8_t cmos_read(std::uint8_t reg) {
  arch::outb(CMOS_INDEX, reg);
  return arch::inb(CMOS_DATA);
}

RtcRegisters read_rtc_registers() {
  return RtcRegisters{cmos_read(0x00), cmos_read(0x02), cmos_read(0x04), cmos_read(0x07),
                      cmos_read(0x08), cmos_read(0x09), cmos_read(0x32), cmos_read(STATUS_B)};
}

bool same(const RtcRegisters& a, const RtcRegisters& b) {
  return std::memcmp(&a, &b, sizeof(a)) == 0;
}

const char* boot_path_id(boot::BootPath path) {
  switch (path) {
    case boot::BootPath::Multiboot2Bios: return "multiboot2-bios";
    case boot::BootPath::Multiboot2Uefi: return "multiboot2-uefi";
    case boot::BootPath::Pvh: return "pvh";
  }
  return "unknown";
}

const char* accelerator_of(const arch::CpuFeatures& cpu) {
  if (!cpu.hypervisor) return "none";
  if (std::memcmp(cpu.hypervisor_vendor, "KVMKVMKVM\0\0\0", 12) == 0) return "kvm";
  if (std::memcmp(cpu.hypervisor_vendor, "TCGTCGTCGTCG", 12) == 0) return "tcg";
  return "other";
}

std::uint64_t usable_memory_bytes(const boot::BootInfo& info) {
  std::uint64_t total = 0;
  for (const mm::memmap::FirmwareRegion& region : info.regions()) {
    if (mm::memmap::classify_firmware_type(region.kind, region.type).type ==
        mm::memmap::RegionType::Usable) {
      total += region.length;
    }
  }
  return total;
}

// CPUID 0x8000001D on AMD/Hygon with TOPOEXT, else AMD's legacy 0x80000005/6; leaf 4
// on everything else.
void read_caches(const arch::CpuFeatures& cpu, ReportContext& context) {
  constexpr std::uint32_t TOPOLOGY_EXTENSIONS = 1u << 22;
  const bool amd = std::strcmp(cpu.vendor, "AuthenticAMD") == 0 ||
                   std::strcmp(cpu.vendor, "HygonGenuine") == 0;
  std::uint32_t leaf = 4;
  if (amd) {
    if (cpu.max_ext_leaf >= 0x8000'001d &&
        (arch::cpuid(0x8000'0001).ecx & TOPOLOGY_EXTENSIONS) != 0) {
      leaf = 0x8000'001d;
    } else {
      if (cpu.max_ext_leaf < 0x8000'0006) return;
      const arch::CpuidResult l1 = arch::cpuid(0x8000'0005);
      const arch::CpuidResult l2 = arch::cpuid(0x8000'0006);
      context.cache_count = decode_amd_legacy_caches(l1.ecx, l1.edx, l2.ecx, l2.edx,
                                                     {context.caches, MAX_CACHES});
      return;
    }
  } else if (cpu.max_leaf < 4) {
    return;
  }
  for (std::uint32_t subleaf = 0; subleaf < 16 && context.cache_count < MAX_CACHES; ++subleaf) {
    const arch::CpuidResult r = arch::cpuid(leaf, subleaf);
    const auto cache = decode_cache_leaf(r.eax, r.ebx, r.ecx);
    if (!cache) break;
    context.caches[context.cache_count++] = *cache;
  }
}

}  // namespace

std::optional<DateTime> read_cmos_date() {
  if (cmos_read(STATUS_A) == 0xff && cmos_read(STATUS_B) == 0xff) return std::nullopt;  // no RTC
  // Read outside an update, twice, until two reads agree (the clock may tick between).
  for (int attempt = 0; attempt < 5; ++attempt) {
    for (int spin = 0; spin < 100'000 && (cmos_read(STATUS_A) & UPDATE_IN_PROGRESS) != 0; ++spin) {
    }
    const RtcRegisters first = read_rtc_registers();
    const RtcRegisters second = read_rtc_registers();
    if (same(first, second)) return decode_rtc(first);
  }
  return std::nullopt;
}

ReportContext machine_context(const boot::BootInfo& info, const arch::TscFrequency& tsc) {
  const arch::CpuFeatures& cpu = arch::detect_cpu_features();
  ReportContext context;
  context.date = read_cmos_date().value_or(UNIX_EPOCH);
  context.num_cpus = 1;  // keel runs on the boot CPU only
  context.mhz_per_cpu = tsc.hz / 1'000'000;
  read_caches(cpu, context);
  context.boot_path = boot_path_id(info.path);
  context.accelerator = accelerator_of(cpu);
  context.memory_bytes = usable_memory_bytes(info);
  context.cpu_model = cpu.model[0] != '\0' ? cpu.model : cpu.vendor;
  context.tsc_hz = tsc.hz;
  context.tsc_calibration = arch::tsc_source_name(tsc.source);
  context.invariant_tsc = cpu.invariant_tsc;
  return context;
}

}  // namespace kernel::kbench
