// kernel_entry: the first C++ code. Called from boot/entry.S in the higher half on the
// boot stack, with the early page tables (identity + linear map of 0..4 GiB + kernel).
//
// Init order is explicit (no global constructors): consoles, CPU tables, boot info, then
// kernel_main. Anything that fails here is reported on every console that exists.
#include <cstddef>
#include <cstdint>
#include <span>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/idt.h"
#include "arch/x86_64/memory_types.h"
#include "arch/x86_64/smp/smp.h"
#include "boot/boot_info.h"
#include "kernel/boot_phases.h"
#include "kernel/console.h"
#include "kernel/main.h"
#include "kernel/panic/panic.h"
#include "mm/hal.h"
#include "mm/kspace/kernel_space.h"
#include "mm/layout.h"
#include "mm/linear_map.h"

namespace kernel {
namespace {

constexpr std::uint32_t BOOT_PATH_MULTIBOOT2 = 1;
constexpr std::uint32_t BOOT_PATH_PVH = 2;

// Largest multiboot2 block keel accepts; real ones are a few KiB (EFI maps included).
constexpr std::uint32_t MAX_MULTIBOOT2_SIZE = 1u << 20;

constinit boot::BootInfo g_boot_info;

// The readable prefix of [paddr, paddr + size): the boot tables map only the low 4 GiB.
std::span<const std::byte> read_early_phys(std::uint64_t paddr, std::uint64_t size) {
  return {static_cast<const std::byte*>(mm::phys_to_virt(paddr)),
          static_cast<std::size_t>(mm::kspace::linear_map_readable(paddr, size))};
}

[[noreturn]] void boot_info_failure(const char* what, const boot::BootInfoFailure& failure) {
  ::panic("{}: {} — the boot loader handed over a malformed information block", what, failure);
}

void parse_boot_info(std::uint32_t path, std::uint32_t magic, std::uint64_t info_paddr) {
  if (path == BOOT_PATH_MULTIBOOT2) {
    const auto header = read_early_phys(info_paddr, 8);
    if (header.size() < 8) ::panic("multiboot2 info block at {:#x} is not below 4 GiB", info_paddr);
    std::uint32_t total_size = 0;
    __builtin_memcpy(&total_size, header.data(), sizeof(total_size));
    if (total_size > MAX_MULTIBOOT2_SIZE) {
      ::panic("multiboot2 info block claims {} bytes (limit {}): garbled", total_size,
            MAX_MULTIBOOT2_SIZE);
    }
    const auto block = read_early_phys(info_paddr, total_size < 8 ? 8 : total_size);
    if (auto result = boot::parse_multiboot2(magic, block, info_paddr, g_boot_info); !result) {
      boot_info_failure("multiboot2", result.error());
    }
  } else if (path == BOOT_PATH_PVH) {
    const auto start_info = read_early_phys(info_paddr, 64);
    if (start_info.size() < 64) ::panic("PVH start_info at {:#x} is not below 4 GiB", info_paddr);
    if (auto result = boot::parse_pvh(start_info, info_paddr, &read_early_phys, g_boot_info);
        !result) {
      boot_info_failure("PVH", result.error());
    }
  } else {
    ::panic("unknown boot path {} from the entry code", path);
  }
}

}  // namespace

extern "C" [[noreturn]] void kernel_entry(std::uint32_t path, std::uint32_t magic,
                                          std::uint64_t info_paddr) {
  kernel::boot_phases().mark(kernel::BootPhase::LongMode);
  arch::ensure_write_back_default();
  mm::install_linear_map(mm::layout::LINEAR_MAP_BASE);
  kernel::init_serial_console();
  arch::init_gdt_and_tss();
  arch::smp::init_boot_cpu_early();  // GS base: after the GDT, before current_cpu()
  arch::init_idt();
  parse_boot_info(path, magic, info_paddr);
  kernel::init_framebuffer_console(g_boot_info.framebuffer);
  kernel::kernel_main(g_boot_info);
}

}  // namespace kernel
