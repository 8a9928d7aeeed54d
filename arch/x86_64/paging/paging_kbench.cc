// In-kernel page-table benchmarks (real TLB flushes, real caches), next to the host ones
// in mm/page_table/page_table_bench.cc.
#define KBENCH_SUITE "mm/page_table"
#include "kernel/kbench/kbench.h"

#include "mm/allocator/frame_allocator.h"
#include "mm/kspace/kernel_space.h"
#include "mm/layout.h"

namespace {

namespace pt = mm::pt;
constexpr mm::Vaddr kVa = mm::layout::KTEST_VA_BASE + (128ull << 30);
constexpr pt::PageProperty kRw{pt::PageFlags::RW, pt::CachePolicy::Writeback, false, true};

}  // namespace

// Map then unmap one tracked 4 KiB frame (cursor creation, map, take_next with invlpg).
KBENCH(map_unmap_tracked_4k) {
  if (!mm::kspace::kernel_space_ready()) return state.skip("kernel address space not initialized");
  auto frame = mm::alloc_frame(mm::UntypedMeta{});
  if (!frame) return state.error("out of memory");
  mm::UFrame shared = std::move(*frame).into_shared();
  mm::kspace::with_kernel_page_table([&](auto& table) {
    for (auto _ : state) {
      auto cursor = table.cursor_mut(kVa, mm::PAGE_SIZE);
      (void)cursor->map(shared, kRw);
      auto taken = cursor->take_next(mm::PAGE_SIZE);
      kbench::do_not_optimize(taken);
    }
  });
  state.set_items_processed(state.iterations());
}

// Map 512 untracked 4 KiB pages in one batch (misaligned physical range), then unmap them.
KBENCH(map_phys_unmap_512x4k) {
  if (!mm::kspace::kernel_space_ready()) return state.skip("kernel address space not initialized");
  mm::kspace::with_kernel_page_table([&](auto& table) {
    for (auto _ : state) {
      auto cursor = table.cursor_mut(kVa, 2ull << 20);
      (void)cursor->map_phys({mm::PAGE_SIZE, mm::PAGE_SIZE + (2ull << 20)}, kRw);
      (void)cursor->jump(kVa);
      (void)cursor->unmap(2ull << 20);
    }
  });
  state.set_items_processed(state.iterations() * 512);
}
