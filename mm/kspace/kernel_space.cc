#include "mm/kspace/kernel_space.h"

#include <cstddef>
#include <new>
#include <utility>

#include "mm/hal.h"
#include "mm/layout.h"
#include "lib/contract/contract.h"

namespace mm::kspace {
namespace {

// Never destroyed, and no global constructor: raw storage, constructed in place once, for
// whichever of the two table types the paging mode needs.
constexpr std::size_t TABLE_SIZE =
    sizeof(KernelPageTable4) > sizeof(KernelPageTable5) ? sizeof(KernelPageTable4)
                                                        : sizeof(KernelPageTable5);
constexpr std::size_t TABLE_ALIGN =
    alignof(KernelPageTable4) > alignof(KernelPageTable5) ? alignof(KernelPageTable4)
                                                          : alignof(KernelPageTable5);
alignas(TABLE_ALIGN) constinit std::byte g_table_storage[TABLE_SIZE] = {};
constinit bool g_ready = false;
constinit PagingLevel g_levels = 0;

template <typename Table>
[[nodiscard]] std::expected<KspaceStats, KspaceError> build_and_activate(const KernelSpaceSpec& spec,
                                                           page_table::PagingOptions options) {
  auto table = Table::create(options);
  if (!table) return std::unexpected(KspaceError{KspaceStep::Root, table.error(), 0});
  const KspaceStats stats = TRY(build_kernel_space(*table, spec));
  auto* live = ::new (static_cast<void*>(g_table_storage)) Table(std::move(*table));
  g_ready = true;
  hal::activate_page_table(live->root_paddr());
  // The boot tables mapped the image with global pages, which a CR3 load keeps in the TLB:
  // drop them too, or stale writable translations of text/rodata would outlive the switch.
  hal::tlb_flush_all();
  return stats;
}

template <typename Table>
Table& live_table(PagingLevel levels) {
  KREQUIRES(g_ready);
  KREQUIRES(g_levels == levels);
  return *std::launder(reinterpret_cast<Table*>(g_table_storage));
}

}  // namespace

[[nodiscard]] std::expected<KspaceStats, KspaceError> init_kernel_space(const KernelSpaceSpec& spec,
                                                          page_table::PagingOptions options,
                                                          PagingLevel levels) {
  KREQUIRES(!g_ready);
  KREQUIRES(levels == 4 || levels == 5);
  g_levels = levels;
  return levels == 5 ? build_and_activate<KernelPageTable5>(spec, options)
                     : build_and_activate<KernelPageTable4>(spec, options);
}

PagingLevel kernel_paging_levels() {
  KREQUIRES(g_ready);
  return g_levels;
}

KernelPageTable4& kernel_page_table4() { return live_table<KernelPageTable4>(4); }
KernelPageTable5& kernel_page_table5() { return live_table<KernelPageTable5>(5); }

bool kernel_space_ready() { return g_ready; }

std::uint64_t linear_map_readable(Paddr pa, std::uint64_t size) {
  if (size == 0 || pa >= MAX_PADDR) return 0;
  if (size > MAX_PADDR - pa) size = MAX_PADDR - pa;
  if (!g_ready) {
    constexpr Paddr limit = layout::BOOT_LINEAR_MAP_LIMIT;
    if (pa >= limit) return 0;
    return size < limit - pa ? size : limit - pa;
  }
  const Vaddr first_page = layout::LINEAR_MAP_BASE + align_down(pa, PAGE_SIZE);
  const Vaddr end = layout::LINEAR_MAP_BASE + pa + size;
  Vaddr va = first_page;
  with_kernel_page_table([&](auto& table) {
    auto cursor = table.cursor(first_page, align_up(end, PAGE_SIZE) - first_page);
    if (!cursor) return;
    while (va < end) {
      if (!cursor->jump(va)) break;
      const page_table::PtMapping mapping = cursor->query();
      if (!mapping.mapped()) break;
      va = mapping.va + mapping.size;  // the whole leaf (4 KiB, 2 MiB or 1 GiB) is readable
    }
  });
  const Vaddr readable_end = va < end ? va : end;
  const Vaddr start = layout::LINEAR_MAP_BASE + pa;
  return readable_end > start ? readable_end - start : 0;
}

}  // namespace mm::kspace
