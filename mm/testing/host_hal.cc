// mm::hal for host tests: no hardware, just bookkeeping the tests can inspect, and threads
// as CPUs (mm/testing/host_cpus.h).
#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <source_location>
#include <thread>
#include <vector>

#include "mm/hal.h"
#include "lib/contract/contract.h"
#include "mm/testing/host_cpus.h"
#include "mm/testing/sim_memory.h"

namespace mm::testing {
HalStats& hal_stats() {
  static thread_local HalStats stats;
  return stats;
}

namespace {

// One simulated CPU's interrupt line: held while its interrupts are disabled, or while a
// cross-CPU call runs on its behalf. Padded so CPUs do not share a cache line.
struct alignas(64) CpuIrqLine {
  std::mutex disabled;
};
constinit std::array<CpuIrqLine, hal::MAX_CPUS> g_irq_lines;

// Only grows, like the kernel's (mm/hal.h). Written by HostCpus, read by any thread.
constinit std::atomic<unsigned> g_cpu_count{1};
constinit std::atomic<bool> g_host_cpus_alive{false};

// What this thread is running as. `cpu` < 0: not registered (CPU 0, HalStats' flag).
struct ThreadCpu {
  int cpu = -1;
  bool irqs_enabled = true;
};
thread_local constinit ThreadCpu t_cpu;

}  // namespace

HostCpus::HostCpus(unsigned n) : count_(n) {
  KREQUIRES(n >= 1 && n <= hal::MAX_CPUS);
  KREQUIRES(!g_host_cpus_alive.exchange(true));
  unsigned seen = g_cpu_count.load();
  while (seen < n && !g_cpu_count.compare_exchange_weak(seen, n)) {
  }
}

HostCpus::~HostCpus() { g_host_cpus_alive.store(false); }

void HostCpus::run(const std::function<void(unsigned cpu)>& body) {
  std::vector<std::thread> threads;
  threads.reserve(count_);
  for (unsigned cpu = 0; cpu < count_; ++cpu) {
    threads.emplace_back([&body, cpu] {
      t_cpu = ThreadCpu{.cpu = static_cast<int>(cpu), .irqs_enabled = true};
      body(cpu);
      KASSERT(t_cpu.irqs_enabled);  // a CPU may not stop with its interrupts disabled
      t_cpu = ThreadCpu{};
    });
  }
  for (std::thread& t : threads) t.join();
}

HostCpus::Binding::Binding(const HostCpus& cpus, unsigned cpu) {
  KREQUIRES(cpu < cpus.count());
  KREQUIRES(t_cpu.cpu < 0);  // one binding per thread
  t_cpu = ThreadCpu{.cpu = static_cast<int>(cpu), .irqs_enabled = true};
}

HostCpus::Binding::~Binding() {
  KASSERT(t_cpu.irqs_enabled);  // a CPU may not stop with its interrupts disabled
  t_cpu = ThreadCpu{};
}

}  // namespace mm::testing

namespace mm::hal {

void tlb_flush_page(Vaddr) { ++testing::hal_stats().tlb_page_flushes; }
void tlb_flush_all() { ++testing::hal_stats().tlb_full_flushes; }
void tlb_flush_all_nonglobal() { ++testing::hal_stats().tlb_full_flushes; }

using testing::t_cpu;

}  // namespace mm::hal

// Interrupts of the simulated CPU this thread runs as (lib/sync/irq.h).
namespace keel::sync {

namespace testing = mm::testing;
using testing::t_cpu;

std::uint64_t irq_save() {
  if (t_cpu.cpu < 0) {
    auto& stats = testing::hal_stats();
    const bool was = stats.irqs_enabled;
    stats.irqs_enabled = false;
    return was ? 1 : 0;
  }
  if (!t_cpu.irqs_enabled) return 0;
  testing::g_irq_lines[static_cast<unsigned>(t_cpu.cpu)].disabled.lock();
  t_cpu.irqs_enabled = false;
  return 1;
}

void irq_restore(std::uint64_t state) {
  if (t_cpu.cpu < 0) {
    testing::hal_stats().irqs_enabled = state != 0;
    return;
  }
  if (state == 0 || t_cpu.irqs_enabled) return;
  t_cpu.irqs_enabled = true;
  testing::g_irq_lines[static_cast<unsigned>(t_cpu.cpu)].disabled.unlock();
}

bool irqs_enabled() {
  return t_cpu.cpu < 0 ? testing::hal_stats().irqs_enabled : t_cpu.irqs_enabled;
}

void cpu_relax() {}

}  // namespace keel::sync

namespace mm::hal {

unsigned current_cpu() { return t_cpu.cpu < 0 ? 0 : static_cast<unsigned>(t_cpu.cpu); }
unsigned cpu_count() { return testing::g_cpu_count.load(std::memory_order_acquire); }

void run_on_other_cpus(void (*fn)(void*), void* arg) {
  KREQUIRES(irqs_enabled());
  const unsigned self = current_cpu();
  const testing::ThreadCpu caller = t_cpu;
  for (unsigned k = 0; k < cpu_count(); ++k) {
    if (k == self) continue;
    std::mutex& line = testing::g_irq_lines[k].disabled;
    line.lock();  // CPU k takes the interrupt once it has interrupts enabled
    t_cpu = testing::ThreadCpu{.cpu = static_cast<int>(k), .irqs_enabled = false};
    fn(arg);
    KASSERT(!t_cpu.irqs_enabled);  // the handler left interrupts as it found them
    t_cpu = caller;
    line.unlock();
  }
}

// As on the hardware: the local flush, then one cross-CPU round, so a shootdown waits for
// every other simulated CPU to have interrupts enabled (and ThreadSanitizer sees the
// handshake). The host has no TLB: each other CPU's handler only counts its flush.
namespace {
void count_remote_round(void*) { ++testing::hal_stats().remote_tlb_flushes; }
}  // namespace

void tlb_flush_pages_everywhere(const Vaddr* pages, unsigned count) {
  for (unsigned i = 0; i < count; ++i) tlb_flush_page(pages[i]);
  if (cpu_count() > 1) run_on_other_cpus(&count_remote_round, nullptr);
}
void tlb_flush_all_everywhere(bool include_global) {
  if (include_global) tlb_flush_all();
  else tlb_flush_all_nonglobal();
  if (cpu_count() > 1) run_on_other_cpus(&count_remote_round, nullptr);
}
unsigned phys_addr_bits() { return testing::hal_stats().phys_addr_bits; }

void stream_fill_64(void* dst, std::uint64_t count, const void* pattern) {
  auto* out = static_cast<std::uint64_t*>(dst);
  const auto* p = static_cast<const std::uint64_t*>(pattern);
  for (std::uint64_t i = 0; i < count; ++i, out += 8) {
    for (int w = 0; w < 8; ++w) __builtin_nontemporal_store(p[w], out + w);
  }
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

void activate_page_table(Paddr root) {
  auto& stats = testing::hal_stats();
  ++stats.activations;
  stats.active_root = root;
}

}  // namespace mm::hal

namespace keel::contract {

void violation(const char* kind, const char* condition, const char* detail,
               std::source_location where) {
  std::fprintf(stderr, "contract violation (%s): %s%s%s\n  at %s:%u in %s\n", kind, condition,
               detail != nullptr ? ": " : "", detail != nullptr ? detail : "", where.file_name(),
               static_cast<unsigned>(where.line()), where.function_name());
  std::fflush(stderr);
  std::abort();
}

}  // namespace keel::contract
