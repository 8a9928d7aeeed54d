// Cross-CPU costs (suite arch/smp): one cross-CPU call round trip to every other CPU, TLB
// shootdowns of 1 to 32 pages and of everything against the same flushes done on this CPU
// only, and alloc_frame + drop on every CPU at once against this CPU alone. Skipped on one
// CPU (`./kx bench --smp N` gives more).
#define KBENCH_SUITE "arch/smp"
#include <array>
#include <cstdint>

#include <atomic>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/smp/idle_work.h"
#include "kernel/kbench/kbench.h"
#include "mm/allocator/frame_allocator.h"
#include "mm/hal.h"
#include "mm/layout.h"
#include "mm/page_table/tlb_batch.h"

namespace {

void nothing(void*) {}

// The IPI to every other CPU, their handlers, and the wait for the last acknowledgement.
KBENCH(cross_call_round_trip) {
  const unsigned cpus = mm::hal::cpu_count();
  if (cpus == 1) return state.skip("one CPU online");
  for (auto _ : state) mm::hal::run_on_other_cpus(&nothing, nullptr);
  state.counters["cpus"] = cpus;
}

// Pages spread over the test window, as an unmap's batch would name them. Flushing
// addresses that nothing maps is as costly as flushing mapped ones (invlpg does not look).
std::array<mm::Vaddr, mm::pt::TlbBatch::MAX_PAGES> batch_pages() {
  std::array<mm::Vaddr, mm::pt::TlbBatch::MAX_PAGES> pages{};
  for (std::size_t i = 0; i < pages.size(); ++i) {
    pages[i] = mm::layout::KTEST_VA_BASE + i * 0x10'0000;
  }
  return pages;
}

// A batch of N page flushes on every CPU (the TlbBatch path below its full-flush ceiling).
KBENCH_ARGS(shootdown_pages, {1, 8, 32}) {
  const unsigned cpus = mm::hal::cpu_count();
  if (cpus == 1) return state.skip("one CPU online");
  const auto pages = batch_pages();
  const auto n = static_cast<unsigned>(state.range(0));
  for (auto _ : state) mm::hal::tlb_flush_pages_everywhere(pages.data(), n);
  state.counters["cpus"] = cpus;
}

// The same flushes on this CPU only: what the shootdown adds is the difference.
KBENCH_ARGS(local_flush_pages, {1, 8, 32}) {
  const auto pages = batch_pages();
  const auto n = static_cast<unsigned>(state.range(0));
  for (auto _ : state) {
    for (unsigned i = 0; i < n; ++i) mm::hal::tlb_flush_page(pages[i]);
  }
}

// Past the ceiling a batch becomes one full flush (global entries too, as kernel mappings
// need) on every CPU.
KBENCH(shootdown_all) {
  const unsigned cpus = mm::hal::cpu_count();
  if (cpus == 1) return state.skip("one CPU online");
  for (auto _ : state) mm::hal::tlb_flush_all_everywhere(true);
  state.counters["cpus"] = cpus;
}

// ---- The per-CPU frame caches under load from every CPU -------------------------------

constexpr unsigned kOpsPerCpu = 256;

// One round: every CPU does kOpsPerCpu order-0 alloc_frame + drop, served by its own cache.
struct Round {
  std::atomic<bool> go{false};
  std::atomic<unsigned> done{0};
  std::atomic<unsigned> failures{0};
};
constinit Round g_round;

void alloc_free_ops() {
  for (unsigned i = 0; i < kOpsPerCpu; ++i) {
    auto frame = mm::alloc_frame(mm::UntypedMeta{}, {.zeroed = false});
    if (!frame) [[unlikely]] g_round.failures.fetch_add(1, std::memory_order_relaxed);
    kbench::do_not_optimize(frame);
  }
}

// Posted to the idle APs: wait for the start, run the round, report.
void ap_round() {
  while (!g_round.go.load(std::memory_order_acquire)) arch::pause();
  alloc_free_ops();
  g_round.done.fetch_add(1, std::memory_order_release);
}

// Arg 1: this CPU alone; arg 0: every online CPU at once (the figure is per operation of
// one CPU: a round's time over kOpsPerCpu). With perfect per-CPU caches the two are equal;
// under TCG they measure QEMU (and icount counts every CPU's instructions).
KBENCH_ARGS(alloc_frame_round, {1, 0}) {
  const unsigned cpus = mm::hal::cpu_count();
  const bool alone = state.range(0) == 1;
  if (!alone && cpus == 1) return state.skip("one CPU online");
  for (auto _ : state) {
    g_round.go.store(false, std::memory_order_relaxed);
    g_round.done.store(0, std::memory_order_relaxed);
    if (!alone) arch::smp::post_to_idle_aps(&ap_round);
    g_round.go.store(true, std::memory_order_release);
    alloc_free_ops();
    if (!alone) {
      while (g_round.done.load(std::memory_order_acquire) != cpus - 1) arch::pause();
    }
  }
  if (g_round.failures.exchange(0) != 0) return state.error("an allocation failed");
  state.set_items_processed(state.iterations() * kOpsPerCpu);
  state.counters["cpus"] = alone ? 1 : cpus;
  if (state.iterations() != 0) {
    state.set_figure("cycles_per_op_per_cpu");
    state.counters["cycles_per_op_per_cpu"] = state.timed_cycles() / (state.iterations() * kOpsPerCpu);
  }
}

}  // namespace
