// NodeLock: the two-byte spinlock in each page-table node's metadata.
//
// It does not touch interrupts, and with other CPUs online it is taken with them enabled
// (the cursor checks): its holder may wait for an IPI round (a TLB shootdown, a cross-CPU
// call), which a CPU spinning here must answer. No interrupt handler takes it, so an
// interrupt arriving while it is held or awaited cannot deadlock on it.
//
// The lock word holds its owner: 0 when free, 1 + the holding CPU's index otherwise. A CPU
// that finds its own index there already holds the lock (two cursors over overlapping
// ranges of one table on one CPU): waiting would spin forever, so that is a panic naming
// the node, not a spin. The uncontended path is one compare-exchange, as before.
#pragma once

#include <atomic>
#include <cstdint>

#include "lib/contract/assert_fmt.h"
#include "mm/hal.h"
#include "lib/sync/thread_annotations.h"
#include "mm/types.h"

namespace mm::page_table {

// The panic for a lock its own CPU already holds; `node` names the page-table node.
[[noreturn, gnu::cold, gnu::noinline]] inline void report_node_lock_self_deadlock(Paddr node,
                                                                                   unsigned cpu) {
  keel::contract::violation_fmt(
      "assertion", "node lock not held by this CPU", std::source_location::current(),
      "page-table node {:#x}: lock acquired twice by CPU {}: deadlock (the CPU already holds "
      "it, e.g. two cursors over overlapping ranges of one table)",
      node, cpu);
}

class TA_CAP("page-table node lock") NodeLock {
 public:
  static_assert(hal::MAX_CPUS < 0xffff, "the owner CPU + 1 must fit in the lock word");

  constexpr NodeLock() = default;
  NodeLock(const NodeLock&) = delete;
  NodeLock& operator=(const NodeLock&) = delete;

  // Acquires it for the current CPU; `node` (the node's physical address) only names it
  // in the panic if this CPU already holds it.
  void lock(Paddr node) TA_ACQ() {
    const auto me = static_cast<std::uint16_t>(hal::current_cpu() + 1);
    std::uint16_t seen = 0;
    if (locked_.compare_exchange_strong(seen, me, std::memory_order_acquire,
                                        std::memory_order_relaxed)) [[likely]] {
      return;
    }
    lock_contended(me, seen, node);
  }
  void unlock() TA_REL() { locked_.store(0, std::memory_order_release); }
  bool is_locked() const { return locked_.load(std::memory_order_relaxed) != 0; }
  // The index of the CPU holding it; -1 when it is free.
  int owner_cpu() const { return static_cast<int>(locked_.load(std::memory_order_relaxed)) - 1; }

 private:
  [[gnu::noinline]] void lock_contended(std::uint16_t me, std::uint16_t seen, Paddr node) {
    for (;;) {
      // Only this CPU stores `me`, and it is here: it took the lock earlier and still has it.
      if (seen == me) [[unlikely]] report_node_lock_self_deadlock(node, me - 1u);
      if (seen == 0 && locked_.compare_exchange_weak(seen, me, std::memory_order_acquire,
                                                     std::memory_order_relaxed)) {
        return;
      }
      hal::cpu_relax();
      seen = locked_.load(std::memory_order_relaxed);
    }
  }

  std::atomic<std::uint16_t> locked_{0};
};
static_assert(sizeof(NodeLock) == 2);

}  // namespace mm::page_table
