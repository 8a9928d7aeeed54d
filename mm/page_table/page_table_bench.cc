// Google Benchmark for page tables (host, -O2, no sanitizers), over simulated memory:
// map_phys+unmap round trips of 4 KiB / 2 MiB / 1 GiB pages in batches, map alone and
// unmap alone in batches of 4 KiB pages, tracked map+unmap (batched, and of one 4 KiB /
// 2 MiB / 1 GiB frame), protect, query, the split of a huge page, unmap batches around the
// TLB batch's 32-page full-flush threshold, and building the kernel's linear map per GiB.
//
//   bazel run -c opt //mm/page_table:page_table_bench
//
// No loop pauses the timer per iteration (that costs about a microsecond of timed
// overhead). A round trip undoes its work inside the timed region; map alone and unmap
// alone set up and tear down a window of thousands of pages at a time outside the figure
// (run_uncounted). An untracked mapping kept beside each batch keeps the nodes above it
// alive, so the loops measure leaves, not node allocation. Every call's result is checked;
// a failure fails the run.
// The "ns_per_page" / "ns_per_GiB" counters are the figures (each names it in its label)
// to compare with the goals (≤ 10 ns per untracked 4 KiB page in a batch, ≤ 25 ns
// tracked, ≤ 2 µs per GiB); under `kx bench --host --icount` they become instructions.
#include <benchmark/benchmark.h>

#include <memory>
#include <optional>
#include <vector>

#include "mm/allocator/frame_allocator.h"
#include "mm/allocator/testing/sim_frames.h"
#include "mm/kspace/kspace_builder.h"
#include "mm/page_table/page_table.h"
#include "mm/testing/bench_iterations.h"

namespace mm::page_table {
namespace {

using K = KernelPtConfig<4>;
constexpr std::uint64_t KiB4 = 4096;
constexpr std::uint64_t MiB2 = 2ull << 20;
constexpr std::uint64_t GiB1 = 1ull << 30;
constexpr Vaddr BASE = 0xffff'9000'0000'0000;
constexpr PageProperty RW{PageFlags::RW, CachePolicy::Writeback, false, true};
constexpr PageProperty RO{PageFlags::R, CachePolicy::Writeback, false, true};

std::unique_ptr<mm::allocator::testing::SimFrames> world() {
  return std::make_unique<mm::allocator::testing::SimFrames>(256ull << 20);
}
PageTable<K> table(bool huge_1g = true) { return std::move(*PageTable<K>::create({.supports_1g_pages = huge_1g})); }

// The figure of a per-page benchmark: time (or instructions) per page, named as the
// benchmark's primary figure for kx bench.
void per_item(benchmark::State& state, std::uint64_t items, const char* name) {
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * items));
  state.counters[name] = benchmark::Counter(static_cast<double>(state.iterations() * items),
                                            benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.SetLabel(std::string("figure=") + name);
}

// Maps [va, va + len) to [pa, pa + len) untracked (the largest pages alignment allows).
bool map_phys(benchmark::State& state, PageTable<K>& pt, Vaddr va, std::uint64_t len, Paddr pa,
              const PageProperty& prop = RW) {
  auto cursor = pt.cursor_mut(va, len);
  if (cursor && cursor->map_phys({pa, pa + len}, prop)) [[likely]] return true;
  state.SkipWithError("map_phys failed");
  return false;
}

bool unmap(benchmark::State& state, PageTable<K>& pt, Vaddr va, std::uint64_t len) {
  auto cursor = pt.cursor_mut(va, len);
  if (!cursor) [[unlikely]] {
    state.SkipWithError("cursor_mut failed");
    return false;
  }
  const auto unmapped = cursor->unmap(len);
  if (unmapped && *unmapped == len) [[likely]] return true;
  state.SkipWithError("unmap did not remove the whole range");
  return false;
}

// `pages` 4 KiB pages mapped in one map_phys and unmapped in one unmap, in one leaf node
// that a page mapped after them keeps alive. The unmap's TLB batch holds up to 32 pages
// one by one; from the 33rd it owes one full flush instead (mm/page_table/tlb_batch.h).
void BM_MapPhysUnmap4K(benchmark::State& state) {
  const auto pages = static_cast<std::uint64_t>(state.range(0));
  auto w = world();
  auto pt = table();
  // Physical address 4 KiB: misaligned for 2 MiB, so every page is a 4 KiB leaf.
  if (!map_phys(state, pt, BASE + pages * KiB4, KiB4, 0)) return;
  for (auto _ : state) {
    if (!map_phys(state, pt, BASE, pages * KiB4, KiB4)) break;
    if (!unmap(state, pt, BASE, pages * KiB4)) break;
  }
  per_item(state, pages, "ns_per_page");
}
KEEL_BENCHMARK(BM_MapPhysUnmap4K)->ArgName("pages")->Arg(1)->Arg(31)->Arg(32)->Arg(33)->Arg(64)->Arg(256);

// ---- Map alone, unmap alone ---------------------------------------------------------

// Work inside a benchmark's loop that is not part of its figure. `kx bench --host --icount`
// has callgrind count only inside functions whose one parameter is a benchmark::State&
// (it toggles counting at each entry and exit of one; tools/kx/bench_host_icount.py), so
// entering this one from a benchmark function turns counting off until it returns. Timed
// runs pause the timer instead; callers run it once per window of thousands of pages, so
// the pause's own cost is a small fraction of a nanosecond per page.
struct UncountedWork {
  bool (*run)(void* context) = nullptr;
  void* context = nullptr;
  bool ok = true;
};
thread_local UncountedWork t_uncounted;

[[gnu::noinline]] void run_pending_uncounted_work(benchmark::State& state) {
  state.PauseTiming();
  t_uncounted.ok = t_uncounted.run(t_uncounted.context);
  state.ResumeTiming();
}

template <typename Work>
bool run_uncounted(benchmark::State& state, Work& work) {
  t_uncounted = {[](void* context) { return (*static_cast<Work*>(context))(); }, &work, true};
  run_pending_uncounted_work(state);
  return t_uncounted.ok;
}

// A window of WINDOW_LEAVES 2 MiB leaf nodes whose last slot holds an untracked page that
// keeps the leaf alive: the other SLOTS_PER_LEAF slots are what the loops map and unmap.
constexpr std::uint64_t WINDOW_LEAVES = 64;
constexpr std::uint64_t SLOTS_PER_LEAF = 511;

class PageWindow {
 public:
  PageWindow(benchmark::State& state, PageTable<K>& pt, std::uint64_t pages_per_batch)
      : state_(state), pt_(pt), pages_(pages_per_batch) {}

  bool keep_leaves_alive() {
    for (std::uint64_t leaf = 0; leaf < WINDOW_LEAVES; ++leaf) {
      if (!map_phys(state_, pt_, leaf_base(leaf) + SLOTS_PER_LEAF * KiB4, KiB4, 0)) return false;
    }
    return true;
  }
  // Every batch position mapped (for unmap alone) or unmapped (for map alone).
  bool map_all() {
    for (std::uint64_t leaf = 0; leaf < WINDOW_LEAVES; ++leaf) {
      if (!map_phys(state_, pt_, leaf_base(leaf), used_slots() * KiB4, KiB4)) return false;
    }
    return true;
  }
  bool unmap_all() {
    for (std::uint64_t leaf = 0; leaf < WINDOW_LEAVES; ++leaf) {
      if (!unmap(state_, pt_, leaf_base(leaf), used_slots() * KiB4)) return false;
    }
    return true;
  }
  // The next batch's first page; wraps to the first after `refill` readies the window again.
  template <typename Refill>
  std::optional<Vaddr> next(Refill& refill) {
    if (leaf_ == WINDOW_LEAVES) {
      if (!run_uncounted(state_, refill)) return std::nullopt;
      leaf_ = 0;
      batch_ = 0;
    }
    const Vaddr va = leaf_base(leaf_) + batch_ * pages_ * KiB4;
    if (++batch_ == SLOTS_PER_LEAF / pages_) {
      batch_ = 0;
      ++leaf_;
    }
    return va;
  }

 private:
  static Vaddr leaf_base(std::uint64_t leaf) { return BASE + leaf * MiB2; }
  std::uint64_t used_slots() const { return SLOTS_PER_LEAF / pages_ * pages_; }

  benchmark::State& state_;
  PageTable<K>& pt_;
  std::uint64_t pages_;
  std::uint64_t leaf_ = 0;
  std::uint64_t batch_ = 0;
};

// `pages` 4 KiB pages mapped in one map_phys into an empty part of a live leaf.
void BM_MapPhys4K(benchmark::State& state) {
  const auto pages = static_cast<std::uint64_t>(state.range(0));
  auto w = world();
  auto pt = table();
  PageWindow window(state, pt, pages);
  if (!window.keep_leaves_alive()) return;
  auto clear = [&] { return window.unmap_all(); };
  for (auto _ : state) {
    const std::optional<Vaddr> va = window.next(clear);
    if (!va || !map_phys(state, pt, *va, pages * KiB4, KiB4)) break;
  }
  per_item(state, pages, "ns_per_page");
}
KEEL_BENCHMARK(BM_MapPhys4K)->ArgName("pages")->Arg(1)->Arg(32)->Arg(256);

// `pages` mapped 4 KiB pages removed in one unmap, its TLB batch flushed (page by page up
// to 32, one full flush from 33).
void BM_Unmap4K(benchmark::State& state) {
  const auto pages = static_cast<std::uint64_t>(state.range(0));
  auto w = world();
  auto pt = table();
  PageWindow window(state, pt, pages);
  if (!window.keep_leaves_alive() || !window.map_all()) return;
  auto fill = [&] { return window.map_all(); };
  for (auto _ : state) {
    const std::optional<Vaddr> va = window.next(fill);
    if (!va || !unmap(state, pt, *va, pages * KiB4)) break;
  }
  per_item(state, pages, "ns_per_page");
}
KEEL_BENCHMARK(BM_Unmap4K)->ArgName("pages")->Arg(1)->Arg(32)->Arg(33)->Arg(256);

// 256 tracked frames mapped one by one through one cursor, then unmapped in one call
// (each unmap drops the mapping's reference after the flush).
void BM_MapUnmapTracked4K_Batch(benchmark::State& state) {
  constexpr std::uint64_t PAGES = 256;
  auto w = world();
  auto pt = table();
  if (!map_phys(state, pt, BASE + PAGES * KiB4, KiB4, 0)) return;
  std::vector<frame::UFrame> frames;
  for (std::uint64_t i = 0; i < PAGES; ++i) {
    auto frame = allocator::alloc_frame(frame::UntypedMeta{}, {.zeroed = false});
    if (!frame) return state.SkipWithError("setup: allocation failed");
    frames.push_back(std::move(*frame).into_shared());
  }
  for (auto _ : state) {
    {
      auto cursor = pt.cursor_mut(BASE, PAGES * KiB4);
      if (!cursor) {
        state.SkipWithError("cursor_mut failed");
        break;
      }
      bool mapped = true;
      for (const frame::UFrame& f : frames) mapped = mapped && cursor->map(f, RW).has_value();
      if (!mapped) {
        state.SkipWithError("map failed");
        break;
      }
    }
    if (!unmap(state, pt, BASE, PAGES * KiB4)) break;
  }
  for (const frame::UFrame& f : frames) {
    if (f.reference_count() != 1) state.SkipWithError("a frame's count did not come back to 1");
  }
  per_item(state, PAGES, "ns_per_page");
}
KEEL_BENCHMARK(BM_MapUnmapTracked4K_Batch);

// The timed loop of the tracked single-frame benchmarks, per page: each iteration opens a
// cursor over [BASE, BASE + size), maps `frame` at BASE, jumps back to it and has
// `take_back` remove the mapping again. take_back returns whether it did, having failed the
// run if not; any failure fails the run and ends the loop. Afterwards the frame's count
// must be back to 1 (only `frame` itself).
template <typename TakeBack>
void map_and_take_back(benchmark::State& state, PageTable<K>& pt, const frame::UFrame& frame,
                       std::uint64_t size, TakeBack take_back) {
  for (auto _ : state) {
    auto cursor = pt.cursor_mut(BASE, size);
    if (!cursor) {
      state.SkipWithError("cursor_mut failed");
      break;
    }
    if (!cursor->map(frame, RW)) {
      state.SkipWithError("map failed");
      break;
    }
    if (!cursor->jump(BASE)) {  // map moved the cursor past its range
      state.SkipWithError("jump failed");
      break;
    }
    if (!take_back(*cursor)) break;
  }
  if (frame.reference_count() != 1) state.SkipWithError("the frame's count did not come back to 1");
  per_item(state, 1, "ns_per_page");
}

// One tracked page: cursor, map, take_next (with its flush) — the unbatched path. Every
// iteration maps and takes back the same frame; a failure stops the benchmark.
void BM_MapTakeTracked4K_Single(benchmark::State& state) {
  auto w = world();
  auto pt = table();
  if (!map_phys(state, pt, BASE + KiB4, KiB4, 0)) return;  // keeps the path's nodes alive
  auto frame = allocator::alloc_frame(frame::UntypedMeta{});
  if (!frame) return state.SkipWithError("alloc_frame failed");
  frame::UFrame f = std::move(*frame).into_shared();
  map_and_take_back(state, pt, f, KiB4, [&](CursorMut<K>& cursor) {
    auto taken = cursor.take_next(KiB4);
    if (!taken || !*taken || !(*taken)->frame) {
      state.SkipWithError("take_next did not hand the frame back");
      return false;
    }
    benchmark::DoNotOptimize(taken);
    return true;
  });
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
  mm::allocator::testing::SimFrames w(phys);
  auto pt = table();
  if (!map_phys(state, pt, BASE + size, KiB4, 0)) return;
  auto frame = allocator::alloc_frame(frame::UntypedMeta{}, {.zeroed = false, .level = level});
  if (!frame) return state.SkipWithError("no frame of that level");
  frame::UFrame f = std::move(*frame).into_shared();
  map_and_take_back(state, pt, f, size, [&](CursorMut<K>& cursor) {
    const auto unmapped = cursor.unmap(size);
    if (unmapped && *unmapped == size) return true;
    state.SkipWithError("unmap did not remove the frame");
    return false;
  });
}
KEEL_BENCHMARK(BM_MapUnmapTracked)->ArgName("level")->Arg(1)->Arg(2)->Arg(3);


// 256 mapped pages made read-only and writable again in turns: one protect_next per page
// through one cursor; the cursor's drop flushes (a full flush: more than 32 pages).
void BM_Protect4K_Batch(benchmark::State& state) {
  constexpr std::uint64_t PAGES = 256;
  auto w = world();
  auto pt = table();
  if (!map_phys(state, pt, BASE, PAGES * KiB4 + KiB4, KiB4)) return;
  bool writable = true;
  for (auto _ : state) {
    const PageProperty next = writable ? RO : RW;
    auto cursor = pt.cursor_mut(BASE, PAGES * KiB4);
    if (!cursor) {
      state.SkipWithError("cursor_mut failed");
      break;
    }
    std::uint64_t changed = 0;
    for (std::uint64_t left = PAGES * KiB4; left > 0; left -= KiB4) {
      auto range = cursor->protect_next(left, [&](PageProperty& p) { p = next; });
      if (!range || !*range || (*range)->size != KiB4) break;
      ++changed;
    }
    if (changed != PAGES) {
      state.SkipWithError("protect_next did not change every page");
      break;
    }
    writable = !writable;
  }
  per_item(state, PAGES, "ns_per_page");
}
KEEL_BENCHMARK(BM_Protect4K_Batch);

// A 2 MiB huge page mapped, one 4 KiB page of it made read-only (which splits it into a
// new leaf node of 512 entries), and the 2 MiB unmapped again: the split's round trip.
// BM_MapPhysUnmapOne2M is the same without the split.
template <bool split>
void BM_HugeRoundTrip(benchmark::State& state) {
  auto w = world();
  auto pt = table();
  if (!map_phys(state, pt, BASE + MiB2, KiB4, 0)) return;  // keeps the 2 MiB level's node
  for (auto _ : state) {
    if (!map_phys(state, pt, BASE, MiB2, MiB2)) break;
    if constexpr (split) {
      auto cursor = pt.cursor_mut(BASE, KiB4);
      auto range = cursor ? cursor->protect_next(KiB4, [](PageProperty& p) { p = RO; })
                          : std::unexpected(cursor.error());
      if (!range || !*range || (*range)->size != KiB4) {
        state.SkipWithError("protect_next did not split the huge page");
        break;
      }
    }
    if (!unmap(state, pt, BASE, MiB2)) break;
  }
}
KEEL_BENCHMARK(BM_HugeRoundTrip<true>)->Name("BM_SplitHuge2M");
KEEL_BENCHMARK(BM_HugeRoundTrip<false>)->Name("BM_MapPhysUnmapOne2M");

void BM_Query4K(benchmark::State& state) {
  auto w = world();
  auto pt = table();
  if (!map_phys(state, pt, BASE, MiB2, KiB4)) return;
  auto cursor = pt.cursor(BASE, MiB2);
  if (!cursor) return state.SkipWithError("cursor failed");
  for (auto _ : state) {
    bool all_mapped = true;
    for (Vaddr va = BASE; va < BASE + MiB2; va += KiB4) {
      all_mapped = all_mapped && cursor->jump(va).has_value() && cursor->query().mapped();
    }
    if (!all_mapped) {
      state.SkipWithError("a page read as unmapped");
      break;
    }
  }
  per_item(state, 512, "ns_per_page");
}
KEEL_BENCHMARK(BM_Query4K);

// `pages` huge pages of `size` bytes, mapped in one map_phys and unmapped in one unmap.
void map_phys_unmap_huge(benchmark::State& state, std::uint64_t pages, std::uint64_t size,
                         bool huge_1g) {
  auto w = world();
  auto pt = table(huge_1g);
  if (!map_phys(state, pt, BASE + pages * size, KiB4, 0)) return;
  for (auto _ : state) {
    if (!map_phys(state, pt, BASE, pages * size, 0)) break;
    if (!unmap(state, pt, BASE, pages * size)) break;
  }
  per_item(state, pages, "ns_per_page");
}

// 256 × 2 MiB pages (512 MiB without 1 GiB pages), and 64 × 1 GiB pages.
void BM_MapPhysUnmap2M(benchmark::State& state) { map_phys_unmap_huge(state, 256, MiB2, false); }
KEEL_BENCHMARK(BM_MapPhysUnmap2M);

void BM_MapPhysUnmap1G(benchmark::State& state) { map_phys_unmap_huge(state, 64, GiB1, true); }
KEEL_BENCHMARK(BM_MapPhysUnmap1G);

// build_kernel_space's linear map of 64 GiB of RAM with 1 GiB pages (arg 1) or 2 MiB
// pages (arg 0): a fresh table each time, its root allocation and its drop included.
void BM_LinearMapPerGiB(benchmark::State& state) {
  auto w = world();
  const bool huge_1g = state.range(0) != 0;
  const PhysRange ram[] = {{0, 64 * GiB1}};
  const kspace::KernelSpaceSpec spec{.ram = ram, .extra = {}, .meta = {}, .image = {}, .guard_pages = {}};
  for (auto _ : state) {
    auto pt = table(huge_1g);
    if (!kspace::build_kernel_space(pt, spec)) {
      state.SkipWithError("build_kernel_space failed");
      break;
    }
  }
  per_item(state, 64, "ns_per_GiB");
}
KEEL_BENCHMARK(BM_LinearMapPerGiB)->Arg(1)->Arg(0);

}  // namespace
}  // namespace mm::page_table
BENCHMARK_MAIN();
