// Google Benchmark for page tables (host, -O2, no sanitizers), over simulated memory:
// map / unmap / query per 4 KiB page (untracked batch, tracked), per 2 MiB and 1 GiB page,
// tracked map+unmap of one 4 KiB / 2 MiB / 1 GiB frame (BM_MapUnmapTracked/level:N),
// and building the kernel's linear map per GiB.
//
//   bazel run -c opt //mm:page_table_bench
// The "ns_per_page" / "ns_per_GiB" counters are the figures to compare with the goals
// (≤ 10 ns per untracked 4 KiB page in a batch, ≤ 25 ns tracked, ≤ 2 µs per GiB).
#include <benchmark/benchmark.h>

#include <memory>
#include <vector>

#include "mm/testing/bench_iterations.h"
#include "mm/allocator/frame_allocator.h"
#include "mm/allocator/testing/sim_frames.h"
#include "mm/kspace/kspace_builder.h"
#include "mm/page_table/page_table.h"

namespace mm::pt {
namespace {

using K = KernelPtConfig<4>;
constexpr std::uint64_t KiB4 = 4096;
constexpr std::uint64_t MiB2 = 2ull << 20;
constexpr std::uint64_t GiB1 = 1ull << 30;
constexpr Vaddr BASE = 0xffff'9000'0000'0000;
constexpr PageProperty RW{PageFlags::RW, CachePolicy::Writeback, false, true};

std::unique_ptr<mm::testing::SimFrames> world() {
  constexpr std::uint64_t bytes = 256ull << 20;
  return std::make_unique<mm::testing::SimFrames>(bytes, std::initializer_list<PhysRange>{{1ull << 20, bytes}});
}
PageTable<K> table(bool huge_1g = true) { return std::move(*PageTable<K>::create({.supports_1g_pages = huge_1g})); }

void per_item(benchmark::State& state, std::uint64_t items, const char* name) {
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * items));
  state.counters[name] = benchmark::Counter(static_cast<double>(state.iterations() * items),
                                            benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void unmap_all(PageTable<K>& pt, Vaddr va, std::uint64_t len) {
  auto cursor = pt.cursor_mut(va, len);
  (void)cursor->unmap(len);
}

// 512 untracked 4 KiB pages in one map_phys (the physical range is misaligned for 2 MiB).
void BM_MapPhys4K_Batch(benchmark::State& state) {
  auto w = world();
  auto pt = table();
  for (auto _ : state) {
    {
      auto cursor = pt.cursor_mut(BASE, MiB2);
      benchmark::DoNotOptimize(cursor->map_phys({KiB4, KiB4 + MiB2}, RW));
    }
    state.PauseTiming();
    unmap_all(pt, BASE, MiB2);
    state.ResumeTiming();
  }
  per_item(state, 512, "ns_per_page");
}
KEEL_BENCHMARK(BM_MapPhys4K_Batch);

void BM_Unmap4K_Batch(benchmark::State& state) {
  auto w = world();
  auto pt = table();
  for (auto _ : state) {
    state.PauseTiming();
    {
      auto cursor = pt.cursor_mut(BASE, MiB2);
      (void)cursor->map_phys({KiB4, KiB4 + MiB2}, RW);
    }
    state.ResumeTiming();
    unmap_all(pt, BASE, MiB2);
  }
  per_item(state, 512, "ns_per_page");
}
KEEL_BENCHMARK(BM_Unmap4K_Batch);

// 512 tracked frames mapped one by one through one cursor.
void BM_MapTracked4K_Batch(benchmark::State& state) {
  auto w = world();
  auto pt = table();
  std::vector<UFrame> frames;
  for (int i = 0; i < 512; ++i) frames.push_back(std::move(*alloc_frame(UntypedMeta{}, {.zeroed = false})).into_shared());
  for (auto _ : state) {
    {
      auto cursor = pt.cursor_mut(BASE, MiB2);
      for (const UFrame& f : frames) benchmark::DoNotOptimize(cursor->map(f, RW));
    }
    state.PauseTiming();
    unmap_all(pt, BASE, MiB2);
    state.ResumeTiming();
  }
  per_item(state, 512, "ns_per_page");
}
KEEL_BENCHMARK(BM_MapTracked4K_Batch);

void BM_UnmapTracked4K_Batch(benchmark::State& state) {
  auto w = world();
  auto pt = table();
  std::vector<UFrame> frames;
  for (int i = 0; i < 512; ++i) frames.push_back(std::move(*alloc_frame(UntypedMeta{}, {.zeroed = false})).into_shared());
  for (auto _ : state) {
    state.PauseTiming();
    {
      auto cursor = pt.cursor_mut(BASE, MiB2);
      for (const UFrame& f : frames) (void)cursor->map(f, RW);
    }
    state.ResumeTiming();
    unmap_all(pt, BASE, MiB2);
  }
  per_item(state, 512, "ns_per_page");
}
KEEL_BENCHMARK(BM_UnmapTracked4K_Batch);

// One tracked page: cursor, map, take_next (with its flush) — the unbatched path. Every
// iteration maps and takes back the same frame; a failure stops the benchmark.
void BM_MapTakeTracked4K_Single(benchmark::State& state) {
  auto w = world();
  auto pt = table();
  {
    auto cursor = pt.cursor_mut(BASE + KiB4, KiB4);  // keep the path's nodes alive
    if (!cursor || !cursor->map_phys({0, KiB4}, RW)) return state.SkipWithError("setup failed");
  }
  UFrame f = std::move(*alloc_frame(UntypedMeta{})).into_shared();
  for (auto _ : state) {
    auto cursor = pt.cursor_mut(BASE, KiB4);
    if (!cursor) {
      state.SkipWithError("cursor_mut failed");
      break;
    }
    if (!cursor->map(f, RW)) {
      state.SkipWithError("map failed");
      break;
    }
    if (!cursor->jump(BASE)) {  // map moved the cursor past its range
      state.SkipWithError("jump failed");
      break;
    }
    auto taken = cursor->take_next(KiB4);
    if (!taken || !*taken || !(*taken)->frame) {
      state.SkipWithError("take_next did not hand the frame back");
      break;
    }
    benchmark::DoNotOptimize(taken);
  }
  if (f.reference_count() != 1) state.SkipWithError("the frame's count did not come back to 1");
  per_item(state, 1, "ns_per_page");
}
KEEL_BENCHMARK(BM_MapTakeTracked4K_Single);

// One tracked frame of 4 KiB / 2 MiB / 1 GiB (arg: its level): a cursor over it, map, jump
// back, unmap (flush and the deferred release of the mapping's reference) — per page.
// A 4 KiB untracked page next to it keeps the nodes above the leaf alive, so this is the
// map/unmap of one leaf, not node allocation.
void BM_MapUnmapTracked(benchmark::State& state) {
  const auto level = static_cast<PagingLevel>(state.range(0));
  const std::uint64_t size = page_size_at(level);
  // 1 GiB frames need a free 1 GiB block: [1 GiB, 2 GiB) of a 2 GiB world.
  const std::uint64_t phys = level == 3 ? 2 * GiB1 : 256ull << 20;
  mm::testing::SimFrames w(phys, {{1ull << 20, phys}});
  auto pt = table();
  {
    auto cursor = pt.cursor_mut(BASE + size, KiB4);
    if (!cursor || !cursor->map_phys({0, KiB4}, RW)) return state.SkipWithError("setup failed");
  }
  auto frame = alloc_frame(UntypedMeta{}, {.zeroed = false, .level = level});
  if (!frame) return state.SkipWithError("no frame of that level");
  UFrame f = std::move(*frame).into_shared();
  for (auto _ : state) {
    auto cursor = pt.cursor_mut(BASE, size);
    if (!cursor) {
      state.SkipWithError("cursor_mut failed");
      break;
    }
    if (!cursor->map(f, RW)) {
      state.SkipWithError("map failed");
      break;
    }
    if (!cursor->jump(BASE)) {
      state.SkipWithError("jump failed");
      break;
    }
    const auto unmapped = cursor->unmap(size);
    if (!unmapped || *unmapped != size) {
      state.SkipWithError("unmap did not remove the frame");
      break;
    }
  }
  if (f.reference_count() != 1) state.SkipWithError("the frame's count did not come back to 1");
  per_item(state, 1, "ns_per_page");
}
KEEL_BENCHMARK(BM_MapUnmapTracked)->ArgName("level")->Arg(1)->Arg(2)->Arg(3);

void BM_Query4K(benchmark::State& state) {
  auto w = world();
  auto pt = table();
  {
    auto cursor = pt.cursor_mut(BASE, MiB2);
    (void)cursor->map_phys({KiB4, KiB4 + MiB2}, RW);
  }
  auto cursor = pt.cursor(BASE, MiB2);
  for (auto _ : state) {
    for (Vaddr va = BASE; va < BASE + MiB2; va += KiB4) {
      (void)cursor->jump(va);
      benchmark::DoNotOptimize(cursor->query());
    }
  }
  per_item(state, 512, "ns_per_page");
}
KEEL_BENCHMARK(BM_Query4K);

// 512 × 2 MiB pages (1 GiB without 1 GiB pages), and 64 × 1 GiB pages.
void BM_MapPhys2M(benchmark::State& state) {
  auto w = world();
  auto pt = table(/*huge_1g=*/false);
  for (auto _ : state) {
    {
      auto cursor = pt.cursor_mut(BASE, GiB1);
      benchmark::DoNotOptimize(cursor->map_phys({0, GiB1}, RW));
    }
    state.PauseTiming();
    unmap_all(pt, BASE, GiB1);
    state.ResumeTiming();
  }
  per_item(state, 512, "ns_per_page");
}
KEEL_BENCHMARK(BM_MapPhys2M);

void BM_Unmap2M(benchmark::State& state) {
  auto w = world();
  auto pt = table(false);
  for (auto _ : state) {
    state.PauseTiming();
    {
      auto cursor = pt.cursor_mut(BASE, GiB1);
      (void)cursor->map_phys({0, GiB1}, RW);
    }
    state.ResumeTiming();
    unmap_all(pt, BASE, GiB1);
  }
  per_item(state, 512, "ns_per_page");
}
KEEL_BENCHMARK(BM_Unmap2M);

void BM_MapPhys1G(benchmark::State& state) {
  auto w = world();
  auto pt = table(true);
  for (auto _ : state) {
    {
      auto cursor = pt.cursor_mut(BASE, 64 * GiB1);
      benchmark::DoNotOptimize(cursor->map_phys({0, 64 * GiB1}, RW));
    }
    state.PauseTiming();
    unmap_all(pt, BASE, 64 * GiB1);
    state.ResumeTiming();
  }
  per_item(state, 64, "ns_per_page");
}
KEEL_BENCHMARK(BM_MapPhys1G);

// build_kernel_space's linear map of 64 GiB of RAM (fresh table each time, including the
// root allocation), with 1 GiB pages (arg 1) or 2 MiB pages (arg 0).
void BM_LinearMapPerGiB(benchmark::State& state) {
  auto w = world();
  const bool huge_1g = state.range(0) != 0;
  const PhysRange ram[] = {{0, 64 * GiB1}};
  const kspace::KernelSpaceSpec spec{.ram = ram, .extra = {}, .meta = {}, .image = {}, .guard_pages = {}};
  for (auto _ : state) {
    auto pt = table(huge_1g);
    benchmark::DoNotOptimize(kspace::build_kernel_space(pt, spec));
    state.PauseTiming();
    { PageTable<K> dying = std::move(pt); }
    state.ResumeTiming();
  }
  per_item(state, 64, "ns_per_GiB");
}
KEEL_BENCHMARK(BM_LinearMapPerGiB)->Arg(1)->Arg(0);

}  // namespace
}  // namespace mm::pt
BENCHMARK_MAIN();
