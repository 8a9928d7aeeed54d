// Google Benchmark for SplitFrames (host, -O2, no sanitizers): split a unique 2 MiB / 1 GiB
// frame into 512 unique frames, take every piece as a handle, and merge them back. O(512)
// per round trip, whatever the frame's size.
//
//   bazel run -c opt //mm/frame:split_frames_bench
#include <benchmark/benchmark.h>

#include <initializer_list>
#include <memory>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "mm/allocator/frame_allocator.h"
#include "mm/allocator/testing/sim_frames.h"
#include "mm/frame/split_frames.h"
#include "mm/frame/unique_frame.h"
#include "mm/testing/bench_iterations.h"

namespace mm::frame {
namespace {

constexpr std::uint64_t MiB = 1 << 20;

UntypedMeta untyped(Paddr) { return {}; }

std::unique_ptr<allocator::testing::SimFrames> world_for(PagingLevel level) {
  // 1 GiB frames need a 1 GiB-aligned free block: 2 GiB of RAM from 1 MiB holds one.
  const std::uint64_t bytes = level == 3 ? 2048 * MiB + 2 * MiB : 64 * MiB;
  return std::make_unique<allocator::testing::SimFrames>(bytes);
}

// The unique frame of `level` a benchmark splits; none (the state told why) if it failed.
std::optional<UniqueFrame<UntypedMeta>> whole_frame(benchmark::State& state, PagingLevel level) {
  auto frame = allocator::alloc_frame(UntypedMeta{}, {.zeroed = false, .level = level});
  if (!frame) {
    state.SkipWithError("allocation failed");
    return std::nullopt;
  }
  return std::move(*frame);
}

// One round trip: split into 512 handles (each taken out of the SplitFrames), merge back.
void BM_SplitMerge_Handles(benchmark::State& state, PagingLevel level) {
  auto world = world_for(level);
  auto frame = whole_frame(state, level);
  if (!frame) return;
  UniqueFrame<UntypedMeta> whole = std::move(*frame);
  std::vector<UniqueFrame<UntypedMeta>> parts;
  parts.reserve(SplitFrames<UntypedMeta>::PIECES);
  for (auto _ : state) {
    auto pieces = std::move(whole).split(untyped);
    while (auto piece = pieces.next()) parts.push_back(std::move(*piece));
    auto merged = SplitFrames<UntypedMeta>::merge(std::span(parts), UntypedMeta{});
    if (!merged) [[unlikely]] {
      state.SkipWithError("merge failed");
      break;
    }
    whole = std::move(*merged);
    parts.clear();  // empty handles now
    benchmark::DoNotOptimize(whole);
  }
  state.counters["ns_per_piece"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * SplitFrames<UntypedMeta>::PIECES,
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK_CAPTURE(BM_SplitMerge_Handles, order9, 2)->Name("BM_SplitMerge/order:9/handle:unique")->Apply(testing::iterations_from_environment);
BENCHMARK_CAPTURE(BM_SplitMerge_Handles, order18, 3)->Name("BM_SplitMerge/order:18/handle:unique")->Apply(testing::iterations_from_environment);

// Split and undo without making the 512 handles (SplitFrames::merge of an untouched split).
void BM_SplitUndo(benchmark::State& state, PagingLevel level) {
  auto world = world_for(level);
  auto frame = whole_frame(state, level);
  if (!frame) return;
  UniqueFrame<UntypedMeta> whole = std::move(*frame);
  for (auto _ : state) {
    whole = std::move(whole).split(untyped).merge(UntypedMeta{});
    benchmark::DoNotOptimize(whole);
  }
}
BENCHMARK_CAPTURE(BM_SplitUndo, order9, 2)->Name("BM_SplitUndo/order:9")->Apply(testing::iterations_from_environment);

// For scale: 2 MiB alloc + split + drop of every piece (each back to the allocator).
void BM_AllocSplitFree_2M(benchmark::State& state) {
  auto world = world_for(2);
  for (auto _ : state) {
    auto frame = allocator::alloc_frame(UntypedMeta{}, {.zeroed = false, .level = 2});
    if (!frame) [[unlikely]] {
      state.SkipWithError("allocation failed");
      break;
    }
    auto pieces = std::move(*frame).split(untyped);
    benchmark::DoNotOptimize(pieces);
  }
}
KEEL_BENCHMARK(BM_AllocSplitFree_2M)->Name("BM_AllocSplitFree/order:9");

}  // namespace
}  // namespace mm::frame

BENCHMARK_MAIN();
