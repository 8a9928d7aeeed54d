// The lock-order checker: each CPU's held mm locks, checked at every acquisition against
// the order in mm/allocator/LOCKING.md, so a misuse is a panic that names it instead of a
// deadlock some day on some other CPU:
//   - page-table node locks are taken top-down (a node below every node this CPU holds);
//   - the buddy lock is innermost: nothing checked is taken while it is held, itself
//     included.
// (A node lock this CPU already holds is caught by the lock itself: node_lock.h.)
//
// On when KEEL_LOCK_ORDER_CHECKS is defined: in every sanitized host build (the tests) and
// in a kernel built with --config=kernel-checks (.bazelrc); otherwise every call is empty.
#pragma once

#include <array>
#include <cstdint>

#include "mm/hal.h"
#include "lib/contract/assert_fmt.h"
#include "mm/types.h"

namespace mm::lock_order {

#ifdef KEEL_LOCK_ORDER_CHECKS

namespace detail {
struct alignas(64) HeldLocks {
  std::uint32_t node_levels = 0;  // bit l: a node of level l is held
  bool buddy = false;
};
inline constinit std::array<HeldLocks, mm::hal::MAX_CPUS> g_held{};
inline HeldLocks& this_cpu() { return g_held[mm::hal::current_cpu()]; }
}  // namespace detail

// Before taking page-table node `node` of `level`.
inline void acquiring_node(mm::Paddr node, unsigned level) {
  detail::HeldLocks& held = detail::this_cpu();
  KASSERT_FMT(!held.buddy,
              "lock order: CPU {} takes page-table node {:#x} while it holds the buddy lock, "
              "which is innermost (mm/allocator/LOCKING.md)",
              mm::hal::current_cpu(), node);
  const std::uint32_t at_or_below = (2u << level) - 1;  // bits 0..level
  KASSERT_FMT((held.node_levels & at_or_below) == 0,
              "lock order: CPU {} takes page-table node {:#x} of level {} while it holds a node "
              "of level {}: node locks go top-down (mm/page_table/cursor.h)",
              mm::hal::current_cpu(), node, level, __builtin_ctz(held.node_levels));
  held.node_levels |= 1u << level;
}
inline void released_node(unsigned level) { detail::this_cpu().node_levels &= ~(1u << level); }

inline void acquiring_buddy() {
  detail::HeldLocks& held = detail::this_cpu();
  KASSERT_FMT(!held.buddy, "lock order: CPU {} takes the buddy lock it already holds",
              mm::hal::current_cpu());
  held.buddy = true;
}
inline void released_buddy() { detail::this_cpu().buddy = false; }

// After a runner longjmped out of code that held locks and released them itself
// (kernel/ktest): this CPU holds nothing now.
inline void forget_this_cpus_locks() { detail::this_cpu() = {}; }

#else

inline void acquiring_node(mm::Paddr, unsigned) {}
inline void released_node(unsigned) {}
inline void acquiring_buddy() {}
inline void released_buddy() {}
inline void forget_this_cpus_locks() {}

#endif

// The buddy lock's Order policy (keel::sync::BasicSpinLock).
struct BuddyLockOrder {
  static void acquiring() { acquiring_buddy(); }
  static void released() { released_buddy(); }
};

}  // namespace mm::lock_order
