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
//
// The analysis (-Wthread-safety) and these locks: a cursor keeps the locks of a path of
// nodes between its calls, found through its path array at run time, a lock set no
// annotation can name. So taking the lock tells the analysis only what is true when lock()
// returns, that the lock is held (an assert_capability, as assert_held() does after its
// check); a function that later touches what the lock guards names the lock it needs
// (TA_REQ) and, where the lock comes from a runtime path, checks it at its entry with
// assert_held(), which panics naming the node unless this CPU holds it. unlock() is a
// release the analysis checks: the lock must be known held where it is let go.
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

// The panic for a guarded access by a CPU that does not hold the node's lock; `owner` is
// the CPU holding it, -1 if it is free.
[[noreturn, gnu::cold, gnu::noinline]] inline void report_node_lock_not_held(Paddr node,
                                                                             unsigned cpu,
                                                                             int owner) {
  keel::contract::violation_fmt("assertion", "node lock held by this CPU",
                                std::source_location::current(),
                                "page-table node {:#x}: lock not held by CPU {} (owner: {})",
                                node, cpu, owner);
}

class TA_CAP("page-table node lock") NodeLock {
 public:
  static_assert(hal::MAX_CPUS < 0xffff, "the owner CPU + 1 must fit in the lock word");

  constexpr NodeLock() = default;
  NodeLock(const NodeLock&) = delete;
  NodeLock& operator=(const NodeLock&) = delete;

  // Acquires it for the current CPU; `node` (the node's physical address) only names it
  // in the panic if this CPU already holds it. Held on return, and kept past the caller's
  // scope if the caller wants (see above): the analysis treats it as asserted.
  void lock(Paddr node) TA_ASSERT_CAP(this) {
    const auto me = static_cast<std::uint16_t>(hal::current_cpu() + 1);
    std::uint16_t seen = 0;
    if (locked_.compare_exchange_strong(seen, me, std::memory_order_acquire,
                                        std::memory_order_relaxed)) [[likely]] {
      return;
    }
    lock_contended(me, seen, node);
  }
  void unlock() TA_REL() { locked_.store(0, std::memory_order_release); }
  // Checks that this CPU holds the lock, else panics naming `node`; the analysis then treats
  // it as held. For code reaching the lock through a runtime path (a cursor's path array).
  void assert_held(Paddr node) const TA_ASSERT_CAP(this) { assert_held_by(node, hal::current_cpu()); }
  // The same for a caller that knows it runs on CPU `cpu` (a cursor, which stays on the CPU
  // that made it): saves asking for the CPU at every check.
  void assert_held_by(Paddr node, unsigned cpu) const TA_ASSERT_CAP(this) {
    const std::uint16_t word = locked_.load(std::memory_order_relaxed);
    if (word != cpu + 1) [[unlikely]] report_node_lock_not_held(node, cpu, int{word} - 1);
  }
  // Frees the lock if a holder that will never unlock it has it (a ktest the runner
  // abandoned by a jump, on any CPU): nothing the lock guards is touched here, and its
  // holder's frame is gone, so the analysis has no holder to check this against.
  void unlock_abandoned() { locked_.store(0, std::memory_order_release); }
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
