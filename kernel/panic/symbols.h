// Address → "function+offset" from the symbol table tools/ksyms/gen_ksyms.py generates.
//
// The table is linked into the kernel in a second link pass (section .rodata.ksyms).
// Its symbols are weak, so the first-pass kernel (no table) links and simply has no
// symbols. lookup_symbol() is portable and host-tested over synthetic tables.
#pragma once

#include <cstdint>
#include <optional>

#include "lib/fmt/format.h"

namespace kernel::panic {

struct SymbolInfo {
  const char* name;     // demangled, NUL-terminated, points into the table
  std::uint64_t offset; // addr - symbol start
};

// One row of keel_ksyms, as gen_ksyms.py emits it (sorted by addr, unique addrs).
struct KsymEntry {
  std::uint64_t addr;
  std::uint32_t name_offset;  // into the names blob
  std::uint32_t size;         // 0 = unknown (extends to the next symbol)
};
static_assert(sizeof(KsymEntry) == 16);

struct KsymTable {
  const KsymEntry* entries = nullptr;
  std::uint64_t count = 0;
  const char* names = nullptr;  // NUL-separated
  std::uint64_t names_size = 0;
};

// The symbol containing `addr`: the last entry with entry.addr <= addr, rejected if the
// entry's known size ends before `addr`, or if its name offset is out of range.
std::optional<SymbolInfo> lookup_symbol(const KsymTable& table, std::uint64_t addr);

// The kernel's own table (empty before the second link pass). Kernel only.
KsymTable kernel_symbol_table();
std::optional<SymbolInfo> symbolize(std::uint64_t addr);

// Prints "0xffffffff80012345 <keel::foo(int)+0x1c>" (or just the address). For a return
// address pass `return_address = true`: the lookup uses addr-1 so a call at the very end
// of a function (to a [[noreturn]] callee) is attributed to the caller, not its neighbour.
void print_address(keel::fmt::Sink& sink, std::uint64_t addr, bool return_address = false);

}  // namespace kernel::panic
