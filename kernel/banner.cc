#include "kernel/banner.h"

#include "arch/x86_64/cpu_features.h"
#include "arch/x86_64/memory_types.h"
#include "kernel/console.h"

namespace kernel {
namespace {

const char* firmware_type_name(const mm::memmap::FirmwareRegion& region) {
  if (region.kind == mm::memmap::FirmwareMapKind::Efi) {
    static constexpr const char* EFI_TYPES[] = {
        "EfiReservedMemoryType", "EfiLoaderCode",        "EfiLoaderData",
        "EfiBootServicesCode",   "EfiBootServicesData",  "EfiRuntimeServicesCode",
        "EfiRuntimeServicesData", "EfiConventionalMemory", "EfiUnusableMemory",
        "EfiACPIReclaimMemory",  "EfiACPIMemoryNVS",     "EfiMemoryMappedIO",
        "EfiMemoryMappedIOPortSpace", "EfiPalCode",      "EfiPersistentMemory",
        "EfiUnacceptedMemory"};
    return region.type < std::size(EFI_TYPES) ? EFI_TYPES[region.type] : "EFI (unknown)";
  }
  switch (region.type) {
    case 1: return "usable";
    case 2: return "reserved";
    case 3: return "ACPI data";
    case 4: return "ACPI NVS";
    case 5: return "unusable";
    case 7: return "persistent (legacy)";
    case 12: return "persistent";
    default: return "unknown (reserved)";
  }
}

}  // namespace

void print_banner(keel::fmt::Sink& sink, const boot::BootInfo& info) {
  const auto& cpu = arch::detect_cpu_features();
  keel::fmt::print(sink, "\nkeel: booting\n");
  keel::fmt::print(sink, "  cpu:      {} {} (family {:#x} model {:#x} stepping {})\n", cpu.vendor,
             cpu.model, cpu.family, cpu.model_id, cpu.stepping);
  if (cpu.hypervisor) keel::fmt::print(sink, "  hypervisor: {}\n", cpu.hypervisor_vendor);
  keel::fmt::print(sink, "  boot:     {} via {}\n", boot::boot_path_name(info.path),
             info.loader_name.data());
  keel::fmt::print(sink, "  cmdline:  \"{}\"\n", info.command_line());
  keel::fmt::print(sink, "  bootinfo: [{:#x}, +{:#x})\n", info.info_paddr, info.info_size);
  keel::fmt::print(sink, "  consoles: serial {}, framebuffer {}", kernel::serial_console_present() ? "yes" : "no",
             kernel::framebuffer_console_present() ? "yes" : "no");
  if (info.framebuffer.present()) {
    keel::fmt::print(sink, " ({}x{}x{} at {:#x})", info.framebuffer.width, info.framebuffer.height,
               info.framebuffer.bpp, info.framebuffer.paddr);
  }
  keel::fmt::print(sink, "\n");
  kernel::describe_consoles(sink);
  if (info.acpi_rsdp_paddr != 0) {
    keel::fmt::print(sink, "  acpi:     RSDP at {:#x} (revision {})\n", info.acpi_rsdp_paddr,
               info.acpi_rsdp_revision);
  }
  arch::print_cpu_features(sink);
  arch::print_memory_types(sink);
}

void print_raw_memory_map(keel::fmt::Sink& sink, const boot::BootInfo& info) {
  const bool efi =
      !info.regions().empty() && info.regions()[0].kind == mm::memmap::FirmwareMapKind::Efi;
  keel::fmt::print(sink, "memory map from the firmware ({} entries, {}):\n", info.regions().size(),
             efi ? "EFI" : "e820");
  for (const auto& region : info.regions()) {
    const std::uint64_t last = region.length == 0 ? region.base : region.base + region.length - 1;
    keel::fmt::print(sink, "  [mem {:#018x}-{:#018x}] {:>10} {} ({})\n", region.base, last,
               keel::fmt::HumanBytes{region.length}, firmware_type_name(region), region.type);
  }
  if (info.memory_map_truncated) {
    keel::fmt::print(sink, "  (more entries than keel keeps: {}; the rest were dropped)\n",
               boot::MAX_MEMORY_REGIONS);
  }
}

}  // namespace kernel
