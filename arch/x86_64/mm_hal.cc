// mm/hal.h for the kernel on x86-64.
#include "mm/hal.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpu_features.h"
#include "arch/x86_64/smp/percpu.h"
#include "arch/x86_64/smp/smp.h"

namespace mm::hal {

void tlb_flush_page(Vaddr va) { arch::invlpg(va); }

void tlb_flush_all() {
  const std::uint64_t cr4 = arch::read_cr4();
  if ((cr4 & arch::CR4_PGE) != 0) {
    // Toggling CR4.PGE flushes every TLB entry, global ones included.
    arch::write_cr4(cr4 & ~arch::CR4_PGE);
    arch::write_cr4(cr4);
  } else {
    arch::write_cr3(arch::read_cr3());  // no global pages: a CR3 reload flushes all
  }
}

// A CR3 write flushes non-global entries (for the current PCID, once PCIDs are in use).
void tlb_flush_all_nonglobal() { arch::write_cr3(arch::read_cr3()); }

}  // namespace mm::hal

namespace keel::sync {

std::uint64_t irq_save() {
  std::uint64_t flags;
  asm volatile("pushfq; popq %0; cli" : "=r"(flags) : : "memory");
  return flags & arch::RFLAGS_IF;
}

void irq_restore(std::uint64_t state) {
  if ((state & arch::RFLAGS_IF) != 0) arch::sti();
}

bool irqs_enabled() { return (arch::read_rflags() & arch::RFLAGS_IF) != 0; }

void cpu_relax() { arch::pause(); }

}  // namespace keel::sync

namespace mm::hal {

unsigned current_cpu() { return arch::smp::this_cpu_index(); }
unsigned cpu_count() { return arch::smp::online_count(); }
void run_on_other_cpus(void (*fn)(void*), void* arg) { arch::smp::run_on_others(fn, arg); }

namespace {

struct PagesToFlush {
  const Vaddr* pages;
  unsigned count;
};

void flush_pages_here(void* arg) {
  const auto& request = *static_cast<const PagesToFlush*>(arg);
  for (unsigned i = 0; i < request.count; ++i) tlb_flush_page(request.pages[i]);
}

void flush_all_here(void*) { tlb_flush_all(); }
void flush_all_nonglobal_here(void*) { tlb_flush_all_nonglobal(); }

}  // namespace

// The local flush first, then one IPI round: every other CPU has dropped the entries
// when run_on_other_cpus returns (its handler finished before acknowledging).
void tlb_flush_pages_everywhere(const Vaddr* pages, unsigned count) {
  PagesToFlush request{pages, count};
  flush_pages_here(&request);
  run_on_other_cpus(&flush_pages_here, &request);
}

void tlb_flush_all_everywhere(bool include_global) {
  if (include_global) {
    tlb_flush_all();
    run_on_other_cpus(&flush_all_here, nullptr);
  } else {
    tlb_flush_all_nonglobal();
    run_on_other_cpus(&flush_all_nonglobal_here, nullptr);
  }
}

unsigned phys_addr_bits() {
  // detect_cpu_features() caches CPUID (0x80000008, or the architectural default when the
  // leaf is missing). A nonsensical 0 is treated as the architectural minimum of 36.
  const unsigned bits = arch::detect_cpu_features().phys_addr_bits;
  return bits != 0 ? bits : 36;
}

void stream_fill_64(void* dst, std::uint64_t count, const void* pattern) {
  // MOVNTI streams from general-purpose registers: no SSE state is touched, so it is fine
  // in a kernel built with -mno-sse (where a 64-byte memcpy becomes a `rep movsb` call per
  // slot). Eight 8-byte stores fill one line, which leaves the write-combining buffer as
  // one write without reading the line first.
  const auto* p = static_cast<const std::uint64_t*>(pattern);
  const std::uint64_t a = p[0], b = p[1], c = p[2], d = p[3], e = p[4], f = p[5], g = p[6],
                      h = p[7];
  auto* out = static_cast<std::uint64_t*>(dst);
  for (std::uint64_t i = 0; i < count; ++i, out += 8) {
    asm volatile(
        "movnti %1, 0(%0)\n\tmovnti %2, 8(%0)\n\tmovnti %3, 16(%0)\n\tmovnti %4, 24(%0)\n\t"
        "movnti %5, 32(%0)\n\tmovnti %6, 40(%0)\n\tmovnti %7, 48(%0)\n\tmovnti %8, 56(%0)"
        :
        : "r"(out), "r"(a), "r"(b), "r"(c), "r"(d), "r"(e), "r"(f), "r"(g), "r"(h)
        : "memory");
  }
  asm volatile("sfence" ::: "memory");
}

void activate_page_table(Paddr root) { arch::write_cr3(root); }

}  // namespace mm::hal
