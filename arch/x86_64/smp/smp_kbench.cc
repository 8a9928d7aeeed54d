// Cross-CPU costs (suite arch/smp): one cross-CPU call round trip to every other CPU, TLB
// shootdowns of 1 to 32 pages and of everything (also as an unmap's batch of 1, 32 and 64
// pages) against the same flushes done on this CPU
// only, and alloc_frame + drop on every CPU at once against this CPU alone. What needs other
// CPUs is skipped on one (`./kx bench --smp N` gives more).
#define KBENCH_SUITE "arch.smp"
#include <array>
#include <cstdint>

#include "kernel/kbench/kbench.h"
#include "mm/allocator/frame_allocator.h"
#include "mm/hal.h"
#include "mm/layout.h"
#include "mm/page_table/tlb_batch.h"

namespace arch::smp {
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
std::array<mm::Vaddr, mm::page_table::TlbBatch::MAX_PAGES> batch_pages() {
  std::array<mm::Vaddr, mm::page_table::TlbBatch::MAX_PAGES> pages{};
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

// The flush an unmap owes, through its TlbBatch, for 1, 32 (the last page-by-page batch)
// and 64 pages (past the ceiling: one full flush on every CPU).
KBENCH_ARGS(unmap_batch_flush_pages, {1, 32, 64}) {
  const unsigned cpus = mm::hal::cpu_count();
  if (cpus == 1) return state.skip("one CPU online");
  const auto n = static_cast<unsigned>(state.range(0));
  for (auto _ : state) {
    mm::page_table::TlbBatch batch(/*global_flush=*/true);
    for (unsigned i = 0; i < n; ++i) batch.add_page(mm::layout::KTEST_VA_BASE + i * 0x1000);
    batch.flush();
  }
  state.counters["cpus"] = cpus;
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

// Order-0 alloc_frame + drop, served by this CPU's own cache: on this CPU alone, and on
// every online CPU at once (the figure stays per operation of one CPU). With perfect
// per-CPU caches the two are equal; under TCG they measure QEMU, and under icount the
// vCPUs take turns in long slices, so the every-CPU loops mostly run one after another
// (kbench.h).
KBENCH(alloc_frame_round) {
  for (auto _ : state) {
    auto frame = mm::allocator::alloc_frame(mm::frame::UntypedMeta{}, {.zeroed = false});
    if (!frame) [[unlikely]] return state.error("an allocation failed");
    kernel::kbench::do_not_optimize(frame);
  }
  state.set_items_processed(state.iterations());
}
KBENCH_EVERY_CPU(alloc_frame_round);

}  // namespace

}  // namespace arch::smp
