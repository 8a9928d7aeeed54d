// mm/hal.h for the kernel on x86-64.
#include "mm/hal.h"

#include "arch/x86_64/cpu.h"

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

std::uint64_t irq_save() {
  std::uint64_t flags;
  asm volatile("pushfq; popq %0; cli" : "=r"(flags) : : "memory");
  return flags & arch::RFLAGS_IF;
}

void irq_restore(std::uint64_t state) {
  if ((state & arch::RFLAGS_IF) != 0) arch::sti();
}

unsigned current_cpu() { return 0; }  // SMP: read from per-CPU data (GS) later

void cpu_relax() { arch::pause(); }

void activate_page_table(Paddr root) { arch::write_cr3(root); }

}  // namespace mm::hal
