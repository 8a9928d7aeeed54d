// The narrow interface through which portable mm code reaches the hardware.
//
// mm/ contains no inline assembly and no arch headers. The kernel implements these
// functions in arch/x86_64/mm_hal.cc; host tests implement them over simulated physical
// memory in mm/testing/. Where physical memory and the frame metadata appear in virtual
// memory is not hardware: mm/linear_map.h and mm/meta/meta_geometry.h own those.
#pragma once

#include <cstdint>

#include "lib/sync/irq.h"
#include "mm/types.h"

namespace mm::hal {

// TLB maintenance for the current CPU's active address space.
void tlb_flush_page(Vaddr va);
void tlb_flush_all();           // including global pages
void tlb_flush_all_nonglobal();

// TLB maintenance on every online CPU (shootdown): returns once each CPU that may cache
// a translation of the kernel's shared address space has dropped it. One round of IPIs per
// call on x86-64, so callers batch (mm/page_table/tlb_batch.h). Same caller rules as
// run_on_other_cpus, unless only one CPU is online.
void tlb_flush_pages_everywhere(const Vaddr* pages, unsigned count);
void tlb_flush_all_everywhere(bool include_global);

// Interrupt state: save-and-disable, and restore what was saved (lib/sync/irq.h, which
// spinlocks use too).
using keel::sync::irq_restore;
using keel::sync::irq_save;
using keel::sync::irqs_enabled;

// CPUs are numbered densely from 0 (the boot CPU) in the order they came online:
// current_cpu() < cpu_count() <= MAX_CPUS. cpu_count() only grows, and a CPU's index
// never changes, so per-CPU arrays are indexed by it.
inline constexpr unsigned MAX_CPUS = 256;
unsigned current_cpu();
unsigned cpu_count();
// current_cpu() for code that may run before per-CPU data is set up (early boot, crash
// paths): while only the boot CPU is online it is 0 without asking the hardware.
inline unsigned current_cpu_even_early() { return cpu_count() == 1 ? 0 : current_cpu(); }

// A cross-CPU call: runs fn(arg) on every online CPU other than the caller, in interrupt
// context there (so never inside one of that CPU's InterruptGuard sections), and returns
// after each of them has returned from fn. With one CPU online it returns at once.
// Requires interrupts enabled, and no lock held that another CPU may wait for with its
// interrupts disabled (that CPU would never answer): two CPUs that each wait for the other
// must both be able to take the other's IPI. Page-table node locks may be held (they are
// only waited for with interrupts enabled, mm/page_table/node_lock.h); the buddy lock and
// InterruptGuard sections may not.
void run_on_other_cpus(void (*fn)(void* arg), void* arg);

// Stores the 64 bytes at `pattern` into each of `count` consecutive 64-byte blocks at `dst`
// (64-byte aligned), bypassing the caches where the CPU can: boot-time bulk writes (frame
// metadata) that are not read back soon should not evict everything else. Ordered before
// any later store (a store fence at the end).
void stream_fill_64(void* dst, std::uint64_t count, const void* pattern);

// The CPU's physical address width (MAXPHYADDR: CPUID 0x80000008 EAX[7:0] on x86-64).
// Physical addresses at or above 2^phys_addr_bits() do not exist on this CPU: page-table
// code refuses to map them (a PTE would silently drop or misroute the high bits).
unsigned phys_addr_bits();

// Spin-wait hint (PAUSE on x86-64).
using keel::sync::cpu_relax;

// Load `root` as the active page table (CR3 on x86-64).
void activate_page_table(Paddr root);

// Interrupts stay disabled for the guard's lifetime (nesting restores the outer state).
class InterruptGuard {
 public:
  InterruptGuard() : saved_(irq_save()) {}
  ~InterruptGuard() { irq_restore(saved_); }
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

 private:
  std::uint64_t saved_;
};

}  // namespace mm::hal
