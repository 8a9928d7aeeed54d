// PagingOptions: the CPU-dependent choices a page table is built with. The kernel fills
// them from CPUID (arch/x86_64/paging/paging_options.h); host tests choose freely.
#pragma once

namespace mm::page_table {

struct PagingOptions {
  bool supports_1g_pages = false;  // map_phys may use 1 GiB leaves
};

}  // namespace mm::page_table
