// Binds symbols.h to the table linked into this kernel (kernel only).
#include <cstdint>

#include "kernel/panic/symbols.h"

// Emitted by tools/ksyms/gen_ksyms.py. Weak: absent (address 0) in the first link pass.
extern "C" {
[[gnu::weak]] extern const std::uint64_t keel_ksyms_count;
[[gnu::weak]] extern const kernel::panic::KsymEntry keel_ksyms[];
[[gnu::weak]] extern const char keel_ksyms_names[];
[[gnu::weak]] extern const std::uint64_t keel_ksyms_names_size;
}

namespace kernel::panic {

KsymTable kernel_symbol_table() {
  if (&keel_ksyms_count == nullptr || keel_ksyms == nullptr || keel_ksyms_names == nullptr ||
      &keel_ksyms_names_size == nullptr) {
    return {};
  }
  return KsymTable{keel_ksyms, keel_ksyms_count, keel_ksyms_names, keel_ksyms_names_size};
}

std::optional<SymbolInfo> symbolize(std::uint64_t addr) {
  return lookup_symbol(kernel_symbol_table(), addr);
}

void print_address(keel::fmt::Sink& sink, std::uint64_t addr, bool return_address) {
  keel::fmt::print(sink, "{:#018x}", addr);
  const std::uint64_t probe = return_address && addr != 0 ? addr - 1 : addr;
  if (const auto sym = symbolize(probe)) {
    keel::fmt::print(sink, " <{}+{:#x}>", sym->name, sym->offset + (addr - probe));
  }
}

}  // namespace kernel::panic
