// Threads as CPUs for host tests. While a HostCpus lives, each thread it registers is one
// simulated CPU: hal::current_cpu() is its index, hal::cpu_count() counts the CPUs, and its
// interrupts are modelled faithfully enough for ThreadSanitizer to see every ordering the
// kernel relies on:
//
//   - each CPU has a mutex, held exactly while its interrupts are disabled (hal::irq_save
//     from enabled takes it; the matching irq_restore releases it; nested saves do nothing);
//   - hal::run_on_other_cpus(fn, arg) runs fn on behalf of each other CPU k by taking CPU
//     k's mutex and running fn with current_cpu() == k and interrupts disabled, so "an IPI
//     is handled only while the target has interrupts enabled" holds exactly, and fn's
//     accesses to CPU k's per-CPU data happen-after k's last InterruptGuard section.
//
// A thread that is not registered is CPU 0 with its own interrupt flag (HalStats), as in
// single-threaded tests. hal::cpu_count() only grows (the HAL's contract): after a
// HostCpus(n) ends, it stays n, and cross-CPU calls still visit CPUs 1..n-1.
//
//   mm::testing::HostCpus cpus(4);
//   cpus.run([&](unsigned cpu) { ... });   // 4 threads, thread i registered as CPU i
#pragma once

#include <functional>

namespace mm::testing {

class HostCpus {
 public:
  // Requires: 1 ≤ n ≤ hal::MAX_CPUS, and no other HostCpus alive.
  explicit HostCpus(unsigned n);
  ~HostCpus();
  HostCpus(const HostCpus&) = delete;
  HostCpus& operator=(const HostCpus&) = delete;

  unsigned count() const { return count_; }

  // Runs body(cpu) on count() threads, thread i registered as CPU i with interrupts
  // enabled, and joins them all. Each thread must leave interrupts enabled when it returns.
  void run(const std::function<void(unsigned cpu)>& body);

  // For threads someone else starts (Google Benchmark's ->Threads(n)): while a Binding
  // lives, the calling thread is CPU `cpu` (< count()) with interrupts enabled. At most one
  // thread per CPU at a time.
  class Binding {
   public:
    Binding(const HostCpus& cpus, unsigned cpu);
    ~Binding();
    Binding(const Binding&) = delete;
    Binding& operator=(const Binding&) = delete;
  };

 private:
  unsigned count_;
};

}  // namespace mm::testing
