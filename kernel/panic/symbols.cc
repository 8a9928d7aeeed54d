#include "kernel/panic/symbols.h"

namespace kernel::panic {

std::optional<SymbolInfo> lookup_symbol(const KsymTable& table, std::uint64_t addr) {
  if (table.entries == nullptr || table.count == 0 || table.names == nullptr) return std::nullopt;
  // Binary search for the first entry above addr; the candidate is the one before it.
  std::uint64_t lo = 0, hi = table.count;
  while (lo < hi) {
    const std::uint64_t mid = lo + (hi - lo) / 2;
    if (table.entries[mid].addr <= addr) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  if (lo == 0) return std::nullopt;  // below the first symbol
  const KsymEntry& e = table.entries[lo - 1];
  const std::uint64_t offset = addr - e.addr;
  if (e.size != 0 && offset >= e.size) return std::nullopt;  // in a gap after the symbol
  if (e.name_offset >= table.names_size) return std::nullopt;
  return SymbolInfo{table.names + e.name_offset, offset};
}

}  // namespace kernel::panic
