// An interrupt-safe spinlock whose guarded data the compiler checks (-Wthread-safety).
//
// A lock may take part in a lock-order checker through its Order policy: Order::acquiring()
// runs with interrupts off before the lock is taken, Order::released() after it is let go.
// mm/ gives its buddy lock such a policy (mm/lock_order/lock_order.h); other locks are
// Unordered, and the calls compile away.
#pragma once

#include <atomic>
#include <cstdint>

#include "lib/contract/contract.h"
#include "lib/sync/irq.h"
#include "lib/sync/thread_annotations.h"

namespace keel::sync {

struct Unordered {
  static void acquiring() {}
  static void released() {}
};

template <typename Order = Unordered>
class TA_CAP("spinlock") BasicSpinLock {
 public:
  constexpr BasicSpinLock() = default;
  BasicSpinLock(const BasicSpinLock&) = delete;
  BasicSpinLock& operator=(const BasicSpinLock&) = delete;

  // Disables interrupts, then spins; returns the interrupt state to restore.
  [[nodiscard]] std::uint64_t lock_irqsave() TA_ACQ() {
    const std::uint64_t state = irq_save();
    Order::acquiring();
    while (locked_.exchange(true, std::memory_order_acquire)) {
      while (locked_.load(std::memory_order_relaxed)) cpu_relax();
    }
    return state;
  }
  void unlock_irqrestore(std::uint64_t state) TA_REL() {
    Order::released();
    locked_.store(false, std::memory_order_release);
    irq_restore(state);
  }
  bool is_locked() const { return locked_.load(std::memory_order_relaxed); }

  // For code that reads what the lock guards on its holder's behalf, by a protocol the
  // analysis cannot follow (a cross-CPU call's target while the caller waits with the lock
  // held): checks that the lock is held, and lets the analysis treat it as held here.
  void assert_held() const TA_ASSERT_CAP(this) { KASSERT(is_locked()); }

  // Frees the lock if a holder that will never unlock it has it: a recovery abandoned the
  // holder's frame (a guarded call's jump), or a panic took its CPU over. The holder's
  // saved interrupt state went with its frame, so interrupts stay as they are.
  void unlock_abandoned() {
    if (!is_locked()) return;
    Order::released();
    locked_.store(false, std::memory_order_release);
  }

 private:
  std::atomic<bool> locked_{false};
};

using SpinLock = BasicSpinLock<>;

template <typename Order>
class TA_SCOPED_CAP SpinLockGuard {
 public:
  explicit SpinLockGuard(BasicSpinLock<Order>& lock) TA_ACQ(lock)
      : lock_(lock), state_(lock.lock_irqsave()) {}
  ~SpinLockGuard() TA_REL() { lock_.unlock_irqrestore(state_); }
  SpinLockGuard(const SpinLockGuard&) = delete;
  SpinLockGuard& operator=(const SpinLockGuard&) = delete;

 private:
  BasicSpinLock<Order>& lock_;
  std::uint64_t state_;
};

}  // namespace keel::sync
