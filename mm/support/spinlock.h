// An interrupt-safe spinlock and SpinlockProtected<T>: data reachable only through its lock.
#pragma once

#include <atomic>
#include <cstdint>
#include <utility>

#include "mm/hal.h"
#include "mm/support/lock_order.h"
#include "mm/support/thread_annotations.h"

namespace keel {

class TA_CAP("spinlock") SpinLock {
 public:
  constexpr SpinLock() = default;
  // A lock with a place in mm's lock order (mm/support/lock_order.h).
  constexpr explicit SpinLock(lock_order::LockClass order) : order_(order) {}
  SpinLock(const SpinLock&) = delete;
  SpinLock& operator=(const SpinLock&) = delete;

  // Disables interrupts, then spins; returns the interrupt state to restore.
  [[nodiscard]] std::uint64_t lock_irqsave() TA_ACQ() {
    const std::uint64_t state = mm::hal::irq_save();
    lock_order::acquiring(order_);
    while (locked_.exchange(true, std::memory_order_acquire)) {
      while (locked_.load(std::memory_order_relaxed)) mm::hal::cpu_relax();
    }
    return state;
  }
  void unlock_irqrestore(std::uint64_t state) TA_REL() {
    lock_order::released(order_);
    locked_.store(false, std::memory_order_release);
    mm::hal::irq_restore(state);
  }
  bool is_locked() const { return locked_.load(std::memory_order_relaxed); }

 private:
  std::atomic<bool> locked_{false};
  lock_order::LockClass order_ = lock_order::LockClass::Unchecked;
};

class TA_SCOPED_CAP SpinLockGuard {
 public:
  explicit SpinLockGuard(SpinLock& lock) TA_ACQ(lock) : lock_(lock), state_(lock.lock_irqsave()) {}
  ~SpinLockGuard() TA_REL() { lock_.unlock_irqrestore(state_); }
  SpinLockGuard(const SpinLockGuard&) = delete;
  SpinLockGuard& operator=(const SpinLockGuard&) = delete;

 private:
  SpinLock& lock_;
  std::uint64_t state_;
};

template <typename T>
class SpinlockProtected {
 public:
  template <typename... Args>
  constexpr explicit SpinlockProtected(Args&&... args) : value_(std::forward<Args>(args)...) {}

  // Runs fn(T&) with the lock held and interrupts off; returns what fn returns.
  template <typename Fn>
  decltype(auto) with(Fn&& fn) {
    SpinLockGuard guard(lock_);
    return std::forward<Fn>(fn)(value_);
  }
  SpinLock& lock() TA_RET_CAP(lock_) { return lock_; }

 private:
  SpinLock lock_;
  T value_ TA_GUARDED(lock_);
};

}  // namespace keel
