// The kernel address space: built once at boot with build_kernel_space, checked for W^X,
// then activated on the boot CPU; it lives forever.
//
//   auto stats = mm::kspace::init_kernel_space(spec, arch::paging_options());
//   if (!stats) panic("kernel address space: {}", stats.error());
//
// The boot page tables (boot/entry.S, in the image's .boot.bss) are retired by the switch:
// nothing to free. After it, the identity map is gone: physical addresses are reached only
// through the linear map (mm::phys_to_virt).
#pragma once

#include <expected>
#include <utility>

#include "mm/kspace/kspace_builder.h"
#include "mm/kspace/kspace_error.h"
#include "mm/kspace/kspace_spec.h"
#include "mm/linear_map.h"
#include "mm/page_table/page_table.h"
#include "mm/page_table/paging_options.h"
#include "mm/page_table/pt_config.h"

namespace mm::kspace {

// The kernel table has as many levels as the CPU's paging mode, which boot/entry.S chose:
// 5 with LA57 where the CPU has it, else 4. The page-table code is generic over both.
using KernelPageTable4 = page_table::PageTable<page_table::KernelPtConfig<4>>;
using KernelPageTable5 = page_table::PageTable<page_table::KernelPtConfig<5>>;

// Builds a table of `levels` (4 or 5, the active paging mode), checks W^X, and activates
// it (mm::hal::activate_page_table). Once, on the boot CPU, after the frame allocator is
// up. On error nothing is activated (the partial table is dropped) and the boot tables
// stay live.
[[nodiscard]] std::expected<KspaceStats, KspaceError> init_kernel_space(const KernelSpaceSpec& spec,
                                                          page_table::PagingOptions options,
                                                          PagingLevel levels = 4);

// 4 or 5. Requires init_kernel_space to have succeeded.
PagingLevel kernel_paging_levels();

// The active kernel page table, for the level count in use. Prefer with_kernel_page_table.
KernelPageTable4& kernel_page_table4();
KernelPageTable5& kernel_page_table5();

// Calls fn(table) with the active kernel page table (KernelPageTable4& or
// KernelPageTable5&, so `fn` is generic) and returns what fn returns.
template <typename Fn>
decltype(auto) with_kernel_page_table(Fn&& fn) {
  if (kernel_paging_levels() == 5) return std::forward<Fn>(fn)(kernel_page_table5());
  return std::forward<Fn>(fn)(kernel_page_table4());
}

bool kernel_space_ready();

// How many bytes from `pa` on (at most `size`) can be read through the linear map right
// now, stopping at the first unmapped page. Before init_kernel_space the boot tables map
// physical 0..4 GiB there. For readers of firmware data (ACPI tables, the BIOS area) that
// must not fault on an address the firmware made up.
std::uint64_t linear_map_readable(Paddr pa, std::uint64_t size);

}  // namespace mm::kspace
