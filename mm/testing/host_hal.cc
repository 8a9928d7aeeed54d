// mm::hal for host tests: no hardware, just bookkeeping the tests can inspect.
#include <cstdio>
#include <cstdlib>
#include <source_location>

#include "mm/hal.h"
#include "mm/support/contract.h"
#include "mm/testing/sim_memory.h"

namespace mm::testing {
HalStats& hal_stats() {
  static thread_local HalStats stats;
  return stats;
}
}  // namespace mm::testing

namespace mm::hal {

void tlb_flush_page(Vaddr) { ++testing::hal_stats().tlb_page_flushes; }
void tlb_flush_all() { ++testing::hal_stats().tlb_full_flushes; }
void tlb_flush_all_nonglobal() { ++testing::hal_stats().tlb_full_flushes; }

std::uint64_t irq_save() {
  auto& stats = testing::hal_stats();
  const bool was = stats.irqs_enabled;
  stats.irqs_enabled = false;
  return was ? 1 : 0;
}
void irq_restore(std::uint64_t state) { testing::hal_stats().irqs_enabled = state != 0; }

bool irqs_enabled() { return testing::hal_stats().irqs_enabled; }

unsigned current_cpu() { return 0; }
unsigned cpu_count() { return 1; }
void run_on_other_cpus(void (*)(void*), void*) {}

void tlb_flush_pages_everywhere(const Vaddr* pages, unsigned count) {
  for (unsigned i = 0; i < count; ++i) tlb_flush_page(pages[i]);
}
void tlb_flush_all_everywhere(bool include_global) {
  if (include_global) tlb_flush_all();
  else tlb_flush_all_nonglobal();
}
unsigned phys_addr_bits() { return testing::hal_stats().phys_addr_bits; }
void cpu_relax() {}

void stream_fill_64(void* dst, std::uint64_t count, const void* pattern) {
  auto* out = static_cast<std::uint64_t*>(dst);
  const auto* p = static_cast<const std::uint64_t*>(pattern);
  for (std::uint64_t i = 0; i < count; ++i, out += 8) {
    for (int w = 0; w < 8; ++w) __builtin_nontemporal_store(p[w], out + w);
  }
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

void activate_page_table(Paddr root) {
  auto& stats = testing::hal_stats();
  ++stats.activations;
  stats.active_root = root;
}

}  // namespace mm::hal

namespace keel {

void contract_violation(const char* kind, const char* condition, const char* detail,
                        std::source_location where) {
  std::fprintf(stderr, "contract violation (%s): %s%s%s\n  at %s:%u in %s\n", kind, condition,
               detail != nullptr ? ": " : "", detail != nullptr ? detail : "", where.file_name(),
               static_cast<unsigned>(where.line()), where.function_name());
  std::fflush(stderr);
  std::abort();
}

}  // namespace keel
