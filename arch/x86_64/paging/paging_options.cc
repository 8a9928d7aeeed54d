#include "arch/x86_64/paging/paging_options.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpu_features.h"

namespace arch::paging {

mm::page_table::PagingOptions paging_options(bool allow_1g) {
  return {.supports_1g_pages = allow_1g && detect_cpu_features().pages_1g};
}

mm::PagingLevel active_paging_levels() { return (read_cr4() & CR4_LA57) != 0 ? 5 : 4; }

}  // namespace arch::paging
