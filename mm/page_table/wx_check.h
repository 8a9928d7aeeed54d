// check_wx: no leaf may be both writable and executable (W^X). Intermediate entries are
// always writable and executable on x86-64 (leaves decide), so checking leaves suffices.
#pragma once

#include <cstdint>
#include <expected>

#include "mm/page_table/leaf_walk.h"
#include "mm/page_table/page_table.h"
#include "lib/fmt/format.h"

namespace mm::page_table {

struct WxViolation {
  Vaddr va = 0;           // the first writable+executable leaf
  PagingLevel level = 0;
};

inline void format_value(keel::fmt::Sink& sink, const keel::fmt::Spec&, const WxViolation& v) {
  keel::fmt::print(sink, "W+X mapping at {:#x} (level {} leaf)", v.va, v.level);
}

// Error: the lowest writable and executable leaf. Requires: no concurrent modification.
template <PageTableConfig C>
[[nodiscard]] std::expected<void, WxViolation> check_wx(const PageTable<C>& pt) {
  using Pte = typename C::Pte;
  WxViolation found{};
  bool bad = false;
  for_each_leaf<C>(pt.root_paddr(), [&](Vaddr va, PagingLevel level, typename Pte::Raw e) {
    const PageProperty prop = Pte::leaf_property(e, level);
    if (prop.writable() && prop.executable()) {
      found = {va, level};
      bad = true;
      return false;
    }
    return true;
  });
  if (bad) return std::unexpected(found);
  return {};
}

}  // namespace mm::page_table
