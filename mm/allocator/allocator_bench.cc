// Google Benchmark for the frame handles and the buddy allocator (host, -O2, no
// sanitizers), side by side with glibc aligned_alloc/free and a bare intrusive free list.
//
//   bazel run -c opt //mm:allocator_bench
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdlib>
#include <expected>
#include <memory>
#include <vector>

#include "mm/allocator/frame_allocator.h"
#include "mm/allocator/global.h"
#include "mm/allocator/testing/sim_frames.h"
#include "mm/frame/frame.h"
#include "mm/frame/unique_frame.h"
#include "mm/testing/bench_iterations.h"

namespace mm {
namespace {

constexpr std::uint64_t MiB = 1 << 20;

UntypedMeta untyped(Paddr) { return {}; }

std::unique_ptr<testing::SimFrames> world_of(std::uint64_t bytes) {
  return std::make_unique<testing::SimFrames>(bytes, std::initializer_list<PhysRange>{{MiB, bytes}});
}

// Every benchmark's operation must succeed: a failed allocation stops the run with an
// error rather than timing the failure path.
template <typename T, typename E>
bool ok_or_fail(benchmark::State& state, const std::expected<T, E>& result) {
  if (result.has_value()) [[likely]] return true;
  state.SkipWithError("allocation failed");
  return false;
}

// One UniqueFrame of `level` through alloc_frame and its drop: the path users call. For
// level 1 the block comes from this CPU's cache and goes back to it.
// The level and zeroing are template arguments, as constants are at real call sites, so
// alloc_frame inlines into the loop as it does there.
template <PagingLevel level, bool zeroed>
void BM_AllocFree_Unique(benchmark::State& state) {
  // 1 GiB frames need a 1 GiB-aligned free block: 2 GiB of RAM (from 1 MiB) holds one.
  auto world = world_of(level == 3 ? 2048 * MiB + 2 * MiB : 64 * MiB);
  for (auto _ : state) {
    auto frame = alloc_frame(UntypedMeta{}, {.zeroed = zeroed, .level = level});
    if (!ok_or_fail(state, frame)) break;
    benchmark::DoNotOptimize(frame);
  }
}
KEEL_BENCHMARK(BM_AllocFree_Unique<1, false>)->Name("BM_AllocFree/order:0/handle:unique");
KEEL_BENCHMARK(BM_AllocFree_Unique<1, true>)->Name("BM_AllocFree/order:0/handle:unique/zeroed");
KEEL_BENCHMARK(BM_AllocFree_Unique<2, false>)->Name("BM_AllocFree/order:9/handle:unique");
KEEL_BENCHMARK(BM_AllocFree_Unique<3, false>)->Name("BM_AllocFree/order:18/handle:unique");

// A shared Frame of level 2: alloc, convert to shared, drop the last reference.
void BM_AllocFree_Shared2M(benchmark::State& state) {
  auto world = world_of(64 * MiB);
  for (auto _ : state) {
    auto frame = alloc_frame(UntypedMeta{}, {.zeroed = false, .level = 2});
    if (!ok_or_fail(state, frame)) break;
    Frame<UntypedMeta> shared = std::move(*frame);
    benchmark::DoNotOptimize(shared);
  }
}
KEEL_BENCHMARK(BM_AllocFree_Shared2M)->Name("BM_AllocFree/order:9/handle:frame");

// 2 MiB as 512 independent 4 KiB frames (a Segment): O(frames) by design.
void BM_AllocFree_Segment2M(benchmark::State& state) {
  auto world = world_of(64 * MiB);
  for (auto _ : state) {
    auto block = alloc_block<UntypedMeta>(9, untyped, {.zeroed = false});
    if (!ok_or_fail(state, block)) break;
    benchmark::DoNotOptimize(block);
  }
}
KEEL_BENCHMARK(BM_AllocFree_Segment2M)->Name("BM_AllocFree/order:9/handle:segment");

// The buddy core alone at `order`: split a block off and coalesce it back, under the lock.
void BM_BuddyCore(benchmark::State& state) {
  auto world = world_of(64 * MiB);
  const auto order = static_cast<unsigned>(state.range(0));
  BuddyAllocator& buddy = allocator_detail::global_buddy();
  for (auto _ : state) {
    auto head = buddy.alloc_block(order);
    if (!head) {
      state.SkipWithError("buddy out of memory");
      break;
    }
    benchmark::DoNotOptimize(head);
    buddy.free_blocks(order, std::span<const std::uint64_t>(&*head, 1));
  }
}
KEEL_BENCHMARK(BM_BuddyCore)->ArgName("order")->Arg(0)->Arg(9);

// Raw frames: take 512 aligned UNUSED frames, give them back (the raw free checks every
// frame's state before it changes any).
void BM_RawTakeReturn_Order9(benchmark::State& state) {
  auto world = world_of(64 * MiB);
  for (auto _ : state) {
    auto pa = allocator_detail::take_frames(512, 512, false);
    if (!ok_or_fail(state, pa)) break;
    benchmark::DoNotOptimize(pa);
    return_frames_to_allocator(*pa, 512);
  }
}
KEEL_BENCHMARK(BM_RawTakeReturn_Order9)->Name("BM_RawTakeReturn/order:9");

void BM_SegmentAlloc(benchmark::State& state) {
  auto world = world_of(64 * MiB);
  const auto n = static_cast<std::uint64_t>(state.range(0));
  for (auto _ : state) {
    auto seg = alloc_segment<UntypedMeta>(n, untyped, 1, {.zeroed = false});
    if (!ok_or_fail(state, seg)) break;
    benchmark::DoNotOptimize(seg);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(n));
}
KEEL_BENCHMARK(BM_SegmentAlloc)->Arg(1)->Arg(8)->Arg(64)->Arg(512);

void BM_IntoRawFromRaw(benchmark::State& state) {
  auto world = world_of(64 * MiB);
  UniqueFrame<UntypedMeta> frame = alloc_frame(UntypedMeta{}, {.zeroed = false}).value();
  for (auto _ : state) {
    const Paddr raw = std::move(frame).into_raw();
    benchmark::DoNotOptimize(raw);
    frame = UniqueFrame<UntypedMeta>::from_raw(raw);
  }
}
KEEL_BENCHMARK(BM_IntoRawFromRaw);

void BM_FrameCloneDrop(benchmark::State& state) {
  auto world = world_of(64 * MiB);
  Frame<UntypedMeta> frame = alloc_frame(UntypedMeta{}).value();
  for (auto _ : state) {
    Frame<UntypedMeta> copy = frame;
    benchmark::DoNotOptimize(copy);
  }
}
KEEL_BENCHMARK(BM_FrameCloneDrop);

// from_in_use on a shared frame (type checked first) and the drop of its reference.
void BM_FromInUseDrop(benchmark::State& state) {
  auto world = world_of(64 * MiB);
  Frame<UntypedMeta> frame = alloc_frame(UntypedMeta{}).value();
  for (auto _ : state) {
    auto again = Frame<UntypedMeta>::from_in_use(frame.paddr());
    if (!ok_or_fail(state, again)) break;
    benchmark::DoNotOptimize(again);
  }
}
KEEL_BENCHMARK(BM_FromInUseDrop);

// init_frame_allocator over 1 GiB of UNUSED frames (the slot scan + block insertion).
void BM_AllocatorInitPerGiB(benchmark::State& state) {
  constexpr std::uint64_t kBytes = 1024 * MiB;
  testing::SimFrames world(kBytes + MiB, {PhysRange{MiB, kBytes + MiB}});
  const PhysRange usable[] = {{MiB, kBytes + MiB}};
  for (auto _ : state) {
    state.PauseTiming();
    for (Paddr pa = MiB; pa < kBytes + MiB; pa += PAGE_SIZE) {
      testing::slot_of(pa).block.store(0, std::memory_order_relaxed);
      testing::slot_of(pa).ref_count.store(REF_COUNT_UNUSED, std::memory_order_relaxed);
    }
    state.ResumeTiming();
    auto summary = init_frame_allocator(usable);
    benchmark::DoNotOptimize(summary);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(kBytes));
}
KEEL_BENCHMARK(BM_AllocatorInitPerGiB)->Unit(benchmark::kMillisecond);

void BM_Glibc_AlignedAlloc4K(benchmark::State& state) {
  for (auto _ : state) {
    void* p = std::aligned_alloc(4096, 4096);
    benchmark::DoNotOptimize(p);
    std::free(p);
  }
}
KEEL_BENCHMARK(BM_Glibc_AlignedAlloc4K);

// The floor: pop and push one node of an intrusive singly linked free list.
void BM_Floor_IntrusiveListPopPush(benchmark::State& state) {
  struct Node {
    Node* next;
  };
  std::vector<Node> nodes(1024);
  Node* head = nullptr;
  for (Node& n : nodes) {
    n.next = head;
    head = &n;
  }
  for (auto _ : state) {
    Node* n = head;
    head = n->next;
    benchmark::DoNotOptimize(n);
    n->next = head;
    head = n;
  }
}
KEEL_BENCHMARK(BM_Floor_IntrusiveListPopPush);

// The floor of an exact free: the one locked compare-and-swap the drop of a UniqueFrame
// makes (x86-64 has no atomic read-modify-write without a lock). A frame drop cannot be
// cheaper than this.
void BM_Floor_LockedCompareExchange(benchmark::State& state) {
  std::atomic<std::uint64_t> word{REF_COUNT_UNIQUE};
  for (auto _ : state) {
    std::uint64_t expected = REF_COUNT_UNIQUE;
    const bool ok = word.compare_exchange_strong(expected, REF_COUNT_UNIQUE, std::memory_order_relaxed);
    benchmark::DoNotOptimize(ok);
  }
}
KEEL_BENCHMARK(BM_Floor_LockedCompareExchange);

}  // namespace
}  // namespace mm

BENCHMARK_MAIN();
