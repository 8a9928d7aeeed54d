// Read-only walks over a page table's leaves, for checkers and tests. They take no locks:
// call them when no cursor modifies the table (boot, tests), or accept a racy snapshot.
#pragma once

#include <cstdint>

#include "mm/page_table/node.h"
#include "mm/page_table/paging_consts.h"
#include "mm/page_table/pt_config.h"
#include "mm/types.h"

namespace mm::page_table {

// Calls fn(va, level, raw_entry) for every leaf under `node` (a node of `level` whose first
// entry maps `base`), in address order. fn returns false to stop; so does for_each_leaf.
template <PageTableConfig C, typename Fn>
bool for_each_leaf_under(Paddr node, PagingLevel level, Vaddr base, unsigned first,
                         unsigned end, Fn& fn) {
  using Pte = typename C::Pte;
  const NodeRef<C> ref(node);
  for (unsigned i = first; i < end; ++i) {
    const auto e = ref.read(i);
    if (!Pte::is_present(e)) continue;
    const Vaddr va = sign_extend(base + i * page_size_at(level), C::NR_LEVELS);
    if (Pte::is_leaf(e, level)) {
      if (!fn(va, level, e)) return false;
    } else if (!for_each_leaf_under<C>(Pte::child_paddr(e), level - 1, va, 0, NR_ENTRIES, fn)) {
      return false;
    }
  }
  return true;
}

// Every leaf of the table rooted at `root`, within C's top-level indices.
template <PageTableConfig C, typename Fn>
bool for_each_leaf(Paddr root, Fn&& fn) {
  return for_each_leaf_under<C>(root, C::NR_LEVELS, 0, C::TOP_INDEX_BEGIN, C::TOP_INDEX_END, fn);
}

}  // namespace mm::page_table
