// In-kernel page-table benchmarks (real TLB flushes, real caches), next to the host ones
// in mm/page_table/page_table_bench.cc.
#define KBENCH_SUITE "mm.page_table"
#include "kernel/kbench/kbench.h"

#include "mm/allocator/frame_allocator.h"
#include "mm/kspace/kernel_space.h"
#include "mm/layout.h"

namespace arch::paging {
namespace {

constexpr mm::Vaddr VA = mm::layout::KTEST_VA_BASE + (128ull << 30);
constexpr mm::page_table::PageProperty RW{mm::page_table::PageFlags::RW, mm::page_table::CachePolicy::Writeback, false, true};

// Maps `phys` untracked at VA, goes back and unmaps it. True only when every step
// succeeded and the unmap took back all of it: a benchmark iteration that did less fails.
template <typename Table>
bool map_phys_round_trip(Table& table, mm::PhysRange phys) {
  const std::uint64_t size = phys.end - phys.start;
  auto cursor = table.cursor_mut(VA, size);
  if (!cursor || !cursor->map_phys(phys, RW) || !cursor->jump(VA)) return false;
  const auto unmapped = cursor->unmap(size);
  return unmapped && *unmapped == size;
}

}  // namespace

// Map then unmap one tracked 4 KiB frame (cursor creation, map, take_next with invlpg).
KBENCH(map_unmap_tracked_4k) {
  if (!mm::kspace::kernel_space_ready()) return state.skip("kernel address space not initialized");
  auto frame = mm::allocator::alloc_frame(mm::frame::UntypedMeta{});
  if (!frame) return state.error("out of memory");
  mm::frame::UFrame shared = std::move(*frame).into_shared();
  mm::kspace::with_kernel_page_table([&](auto& table) {
    for (auto _ : state) {
      auto cursor = table.cursor_mut(VA, mm::PAGE_SIZE);
      if (!cursor || !cursor->map(shared, RW) || !cursor->jump(VA)) {
        state.error("map of the tracked frame failed");
        break;
      }
      auto taken = cursor->take_next(mm::PAGE_SIZE);
      if (!taken || !*taken || !(*taken)->frame) {
        state.error("take_next did not hand back the tracked frame");
        break;
      }
      kernel::kbench::do_not_optimize(taken);
    }
  });
  state.set_items_processed(state.iterations());
}

// Map 512 untracked 4 KiB pages in one batch (misaligned physical range), then unmap them.
KBENCH(map_phys_unmap_512x4k) {
  if (!mm::kspace::kernel_space_ready()) return state.skip("kernel address space not initialized");
  mm::kspace::with_kernel_page_table([&](auto& table) {
    for (auto _ : state) {
      if (!map_phys_round_trip(table, {mm::PAGE_SIZE, mm::PAGE_SIZE + (2ull << 20)})) {
        state.error("map_phys/unmap of 512 pages failed");
        break;
      }
    }
  });
  state.set_items_processed(state.iterations() * 512);
}

namespace {

constexpr std::uint64_t SIZE_2M = 2ull << 20;
constexpr std::uint64_t SIZE_1G = 1ull << 30;

// Page size for the benchmark argument: 0 → 4 KiB, 1 → 2 MiB, 2 → 1 GiB.
std::uint64_t page_size_of(std::int64_t arg) {
  return arg == 0 ? mm::PAGE_SIZE : arg == 1 ? SIZE_2M : SIZE_1G;
}

}  // namespace

// Map one untracked page of each size (aligned so map_phys picks that size), then unmap.
// Per page: the cost a linear map or an MMIO mapping pays at each granularity.
KBENCH_ARGS(map_phys_unmap_page, {0, 1, 2}) {
  if (!mm::kspace::kernel_space_ready()) return state.skip("kernel address space not initialized");
  const std::uint64_t size = page_size_of(state.range(0));
  const bool ok = mm::kspace::with_kernel_page_table([&](auto& table) {
    if (size == SIZE_1G && !table.options().supports_1g_pages) return false;
    for (auto _ : state) {
      if (!map_phys_round_trip(table, {0, size})) {
        state.error("map_phys/unmap of one page failed");
        break;
      }
    }
    return true;
  });
  if (!ok) return state.skip("no 1 GiB pages on this CPU");
  state.set_items_processed(state.iterations());
}

// Query what is mapped at a linear-map address (a read cursor and one walk).
KBENCH(query_linear_map) {
  if (!mm::kspace::kernel_space_ready()) return state.skip("kernel address space not initialized");
  const mm::Vaddr va = mm::layout::LINEAR_MAP_BASE + (1ull << 20);
  mm::kspace::with_kernel_page_table([&](auto& table) {
    for (auto _ : state) {
      auto cursor = table.cursor(va, mm::PAGE_SIZE);
      auto mapping = cursor->query();
      kernel::kbench::do_not_optimize(mapping);
    }
  });
  state.set_items_processed(state.iterations());
}

// Building 1 GiB of linear map in a scratch table (never activated), the way boot does:
// 1 GiB leaves where the CPU has them (arg 1), 2 MiB leaves otherwise (arg 0). Includes
// creating and dropping the scratch table's nodes.
KBENCH_ARGS(linear_map_build_per_gib, {0, 1}) {
  if (!mm::kspace::kernel_space_ready()) return state.skip("kernel address space not initialized");
  const bool use_1g = state.range(0) == 1;
  const bool ok = mm::kspace::with_kernel_page_table([&](auto& live) {
    using Table = std::remove_cvref_t<decltype(live)>;
    if (use_1g && !live.options().supports_1g_pages) return false;
    for (auto _ : state) {
      auto scratch = Table::create({.supports_1g_pages = use_1g});
      if (!scratch) {
        state.error("creating the scratch table failed");
        break;
      }
      auto cursor = scratch->cursor_mut(mm::layout::LINEAR_MAP_BASE, SIZE_1G);
      if (!cursor || !cursor->map_phys({0, SIZE_1G}, RW)) {
        state.error("map_phys of 1 GiB into the scratch table failed");
        break;
      }
      kernel::kbench::do_not_optimize(cursor);
    }
    return true;
  });
  if (!ok) return state.skip("no 1 GiB pages on this CPU");
  state.set_items_processed(state.iterations());
}

}  // namespace arch::paging
