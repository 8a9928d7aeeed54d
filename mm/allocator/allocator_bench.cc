// Google Benchmark for the frame handles and the buddy allocator (host, -O2, no
// sanitizers), side by side with glibc aligned_alloc/free and a bare intrusive free list.
//
//   bazel run -c opt //mm:allocator_bench
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <memory>
#include <vector>

#include "mm/allocator/frame_allocator.h"
#include "mm/allocator/global.h"
#include "mm/allocator/passkey.h"
#include "mm/allocator/testing/sim_frames.h"
#include "mm/frame/frame.h"
#include "mm/frame/unique_frame.h"

namespace mm {
namespace {

constexpr std::uint64_t MiB = 1 << 20;

UntypedMeta untyped(Paddr) { return {}; }

std::unique_ptr<testing::SimFrames> world_of(std::uint64_t bytes) {
  return std::make_unique<testing::SimFrames>(bytes, std::initializer_list<PhysRange>{{MiB, bytes}});
}

void BM_Order0AllocFree_PerCpu(benchmark::State& state) {
  auto world = world_of(64 * MiB);
  for (auto _ : state) {
    auto frame = alloc_frame(UntypedMeta{}, {.zeroed = false});
    benchmark::DoNotOptimize(frame);
  }
}
BENCHMARK(BM_Order0AllocFree_PerCpu);

void BM_Order0AllocFree_Zeroed(benchmark::State& state) {
  auto world = world_of(64 * MiB);
  for (auto _ : state) {
    auto frame = alloc_frame(UntypedMeta{});
    benchmark::DoNotOptimize(frame);
  }
}
BENCHMARK(BM_Order0AllocFree_Zeroed);

// The buddy core alone: split an order-9 block off and coalesce it back, under the lock.
void BM_Order9_BuddyCore(benchmark::State& state) {
  auto world = world_of(64 * MiB);
  BuddyAllocator& buddy = allocator_detail::global_buddy();
  for (auto _ : state) {
    auto head = buddy.alloc_block(9);
    benchmark::DoNotOptimize(head);
    buddy.free_blocks(9, std::span<const std::uint64_t>(&*head, 1));
  }
}
BENCHMARK(BM_Order9_BuddyCore);

// Raw frames through the public path: take 512 aligned frames, give them back (the free
// path checks every frame's slot for double free / still-referenced).
void BM_Order9_RawTakeReturn(benchmark::State& state) {
  auto world = world_of(64 * MiB);
  for (auto _ : state) {
    auto pa = allocator_detail::take_frames(512, 512, false);
    benchmark::DoNotOptimize(pa);
    return_frames_to_allocator(*pa, 512);
  }
}
BENCHMARK(BM_Order9_RawTakeReturn);

// Through the handles: a Segment of 512 frames, each claimed with metadata and released.
void BM_Order9_SegmentHandles(benchmark::State& state) {
  auto world = world_of(64 * MiB);
  for (auto _ : state) {
    auto block = alloc_block<UntypedMeta>(9, untyped, {.zeroed = false});
    benchmark::DoNotOptimize(block);
  }
}
BENCHMARK(BM_Order9_SegmentHandles);

void BM_SegmentAlloc(benchmark::State& state) {
  auto world = world_of(64 * MiB);
  const auto n = static_cast<std::uint64_t>(state.range(0));
  for (auto _ : state) {
    auto seg = alloc_segment<UntypedMeta>(n, untyped, 1, {.zeroed = false});
    benchmark::DoNotOptimize(seg);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(n));
}
BENCHMARK(BM_SegmentAlloc)->Arg(1)->Arg(8)->Arg(64)->Arg(512);

void BM_FromUnusedIntoRawFromRaw(benchmark::State& state) {
  auto world = world_of(64 * MiB);
  const Paddr pa = allocator_detail::take_frames(1, 1, false).value();
  for (auto _ : state) {
    auto frame = UniqueFrame<UntypedMeta>::from_unused(pa, UntypedMeta{});
    const Paddr raw = std::move(*frame).into_raw();
    benchmark::DoNotOptimize(raw);
    auto back = UniqueFrame<UntypedMeta>::from_raw(raw);
    std::move(back).reset_as_unused(allocator_detail::PasskeyFactory::make());
  }
}
BENCHMARK(BM_FromUnusedIntoRawFromRaw);

void BM_FrameCloneDrop(benchmark::State& state) {
  auto world = world_of(64 * MiB);
  Frame<UntypedMeta> frame = alloc_frame(UntypedMeta{}).value();
  for (auto _ : state) {
    Frame<UntypedMeta> copy = frame;
    benchmark::DoNotOptimize(copy);
  }
}
BENCHMARK(BM_FrameCloneDrop);

// init_frame_allocator over 1 GiB of UNUSED frames (the slot scan + block insertion).
void BM_AllocatorInitPerGiB(benchmark::State& state) {
  constexpr std::uint64_t kBytes = 1024 * MiB;
  testing::SimFrames world(kBytes + MiB, {PhysRange{MiB, kBytes + MiB}});
  const PhysRange usable[] = {{MiB, kBytes + MiB}};
  for (auto _ : state) {
    state.PauseTiming();
    for (Paddr pa = MiB; pa < kBytes + MiB; pa += PAGE_SIZE) testing::slot_of(pa).in_list.store(0, std::memory_order_relaxed);
    state.ResumeTiming();
    auto summary = init_frame_allocator(usable);
    benchmark::DoNotOptimize(summary);
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(kBytes));
}
BENCHMARK(BM_AllocatorInitPerGiB)->Unit(benchmark::kMillisecond);

void BM_Glibc_AlignedAlloc4K(benchmark::State& state) {
  for (auto _ : state) {
    void* p = std::aligned_alloc(4096, 4096);
    benchmark::DoNotOptimize(p);
    std::free(p);
  }
}
BENCHMARK(BM_Glibc_AlignedAlloc4K);

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
BENCHMARK(BM_Floor_IntrusiveListPopPush);

}  // namespace
}  // namespace mm

BENCHMARK_MAIN();
