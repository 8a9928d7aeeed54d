// NodeLock: the one-byte spinlock in each page-table node's metadata.
//
// It does not touch interrupts: a cursor disables them once for its whole lifetime (it may
// hold several node locks), so taking a node lock with interrupts on is a bug.
#pragma once

#include <atomic>
#include <cstdint>

#include "mm/hal.h"
#include "mm/support/thread_annotations.h"

namespace mm::pt {

class TA_CAP("page-table node lock") NodeLock {
 public:
  constexpr NodeLock() = default;
  NodeLock(const NodeLock&) = delete;
  NodeLock& operator=(const NodeLock&) = delete;

  void lock() TA_ACQ() {
    while (locked_.exchange(1, std::memory_order_acquire) != 0) {
      while (locked_.load(std::memory_order_relaxed) != 0) hal::cpu_relax();
    }
  }
  void unlock() TA_REL() { locked_.store(0, std::memory_order_release); }
  bool is_locked() const { return locked_.load(std::memory_order_relaxed) != 0; }

 private:
  std::atomic<std::uint8_t> locked_{0};
};
static_assert(sizeof(NodeLock) == 1);

}  // namespace mm::pt
