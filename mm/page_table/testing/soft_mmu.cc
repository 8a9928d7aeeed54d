#include "mm/page_table/testing/soft_mmu.h"

#include "mm/hal.h"
#include "mm/linear_map.h"
#include "mm/page_table/paging_consts.h"
#include "mm/page_table/pte_x86_64.h"

namespace mm::page_table::testing {

std::optional<Translation> soft_translate(Paddr root, PagingLevel nr_levels, Vaddr va) {
  using Pte = PteX86_64;
  if (!is_canonical(va, nr_levels)) return std::nullopt;
  Translation t{.writable = true, .executable = true, .user = true};
  Paddr table = root;
  for (PagingLevel level = nr_levels; level >= 1; --level) {
    const auto* entries = static_cast<const std::uint64_t*>(phys_to_virt(table));
    const std::uint64_t e = entries[index_at(va, level)];
    if (!Pte::is_present(e)) return std::nullopt;
    t.writable = t.writable && (e & Pte::WRITABLE) != 0;
    t.executable = t.executable && (e & Pte::NO_EXECUTE) == 0;
    t.user = t.user && (e & Pte::USER) != 0;
    // Reserved-bit checks: PS at level 4/5 is a reserved-bit fault on real hardware.
    if (level > MAX_LEAF_LEVEL && (e & Pte::HUGE) != 0) return std::nullopt;
    if (Pte::is_leaf(e, level)) {
      const PageProperty prop = Pte::leaf_property(e, level);
      t.pa = Pte::leaf_paddr(e, level) + (va & (page_size_at(level) - 1));
      t.level = level;
      t.global = prop.global;
      t.cache = prop.cache;
      t.tracked = Pte::is_tracked(e);
      return t;
    }
    table = Pte::child_paddr(e);
  }
  return std::nullopt;
}

bool soft_access_ok(Paddr root, PagingLevel nr_levels, Vaddr va, Access access) {
  const auto t = soft_translate(root, nr_levels, va);
  if (!t) return false;
  switch (access) {
    case Access::Read: return true;
    case Access::Write: return t->writable;
    case Access::Execute: return t->executable;
  }
  return false;
}

}  // namespace mm::page_table::testing
