// The CPU-dependent page-table choices for this machine: 1 GiB pages if CPUID offers them
// (and the command line does not say no1gb), and the paging depth the boot code enabled.
#pragma once

#include "mm/page_table/paging_options.h"
#include "mm/types.h"

namespace arch::paging {

// allow_1g: false for the `no1gb` command-line key. Requires detect_cpu_features() ran.
mm::page_table::PagingOptions paging_options(bool allow_1g = true);

// 5 if CR4.LA57 is set, else 4. keel's boot code enables 4-level paging only: LA57 can only
// be turned on with paging off (in the 32-bit entry), so mm::kspace uses KernelPtConfig<4>.
mm::PagingLevel active_paging_levels();

}  // namespace arch::paging
