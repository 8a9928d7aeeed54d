// The kernel address space: built once at boot with build_kernel_space, checked for W^X,
// then activated on the boot CPU; it lives forever.
//
//   auto stats = mm::kspace::init_kernel_space(spec, arch::paging_options());
//   if (!stats) panic("kernel address space: {}", stats.error());
//
// The boot page tables (boot/entry.S, in the image's .boot.bss) are retired by the switch:
// nothing to free. After it, the identity map is gone: physical addresses are reached only
// through the linear map (mm::hal::phys_to_virt).
#pragma once

#include <expected>

#include "mm/kspace/kspace_builder.h"
#include "mm/kspace/kspace_error.h"
#include "mm/kspace/kspace_spec.h"
#include "mm/page_table/page_table.h"
#include "mm/page_table/paging_options.h"
#include "mm/page_table/pt_config.h"

namespace mm::kspace {

// keel boots with 4-level paging (boot/entry.S does not enable LA57).
using KernelConfig = pt::KernelPtConfig<4>;
using KernelPageTable = pt::PageTable<KernelConfig>;

// Builds, checks W^X, and activates (mm::hal::activate_page_table). Once, on the boot CPU,
// after the frame allocator is up. On error nothing is activated (the partial table is
// dropped) and the boot tables stay live.
std::expected<KspaceStats, KspaceError> init_kernel_space(const KernelSpaceSpec& spec,
                                                          pt::PagingOptions options);

// The active kernel page table. Requires init_kernel_space to have succeeded.
KernelPageTable& kernel_page_table();
bool kernel_space_ready();

// How many bytes from `pa` on (at most `size`) can be read through the linear map right
// now, stopping at the first unmapped page. Before init_kernel_space the boot tables map
// physical 0..4 GiB there. For readers of firmware data (ACPI tables, the BIOS area) that
// must not fault on an address the firmware made up.
std::uint64_t linear_map_readable(Paddr pa, std::uint64_t size);

}  // namespace mm::kspace
