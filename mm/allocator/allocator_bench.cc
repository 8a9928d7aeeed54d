// Google Benchmark for the frame handles and the buddy allocator (host, -O2, no
// sanitizers), side by side with glibc aligned_alloc/free and a bare intrusive free list.
//
//   bazel run -c opt //mm/allocator:allocator_bench
#include <benchmark/benchmark.h>

#include <atomic>
#include <cstdlib>
#include <expected>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "mm/allocator/frame_allocator.h"
#include "mm/allocator/global.h"
#include "mm/allocator/order.h"
#include "mm/allocator/testing/sim_frames.h"
#include "mm/frame/frame.h"
#include "mm/frame/unique_frame.h"
#include "mm/testing/bench_iterations.h"

namespace mm::allocator {
namespace {

constexpr std::uint64_t MiB = 1 << 20;

frame::UntypedMeta untyped(Paddr) { return {}; }

std::unique_ptr<testing::SimFrames> world_of(std::uint64_t bytes) {
  return std::make_unique<testing::SimFrames>(bytes);
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
    auto frame = alloc_frame(frame::UntypedMeta{}, {.zeroed = zeroed, .level = level});
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
    auto frame = alloc_frame(frame::UntypedMeta{}, {.zeroed = false, .level = 2});
    if (!ok_or_fail(state, frame)) break;
    frame::Frame<frame::UntypedMeta> shared = std::move(*frame);
    benchmark::DoNotOptimize(shared);
  }
}
KEEL_BENCHMARK(BM_AllocFree_Shared2M)->Name("BM_AllocFree/order:9/handle:frame");

// 2 MiB as 512 independent 4 KiB frames (a Segment): O(frames) by design.
void BM_AllocFree_Segment2M(benchmark::State& state) {
  auto world = world_of(64 * MiB);
  for (auto _ : state) {
    auto block = alloc_block<frame::UntypedMeta>(9, untyped, {.zeroed = false});
    if (!ok_or_fail(state, block)) break;
    benchmark::DoNotOptimize(block);
  }
}
KEEL_BENCHMARK(BM_AllocFree_Segment2M)->Name("BM_AllocFree/order:9/handle:segment");

// The buddy core alone at `order`: split a block off and coalesce it back, under the lock.
// The lists hold only the boot's large blocks, so order 0 splits one down 18 times and
// the free coalesces it back up (the cold path of the buddy); order 18 takes a whole one.
void BM_BuddyCore(benchmark::State& state) {
  auto world = world_of(2048 * MiB + 2 * MiB);
  const auto order = static_cast<unsigned>(state.range(0));
  BuddyAllocator& buddy = detail::global_buddy();
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
KEEL_BENCHMARK(BM_BuddyCore)->ArgName("order")->DenseRange(0, MAX_ORDER);

// The buddy alone at order 0 with a block on the order-0 list (its buddy is held, so the
// free cannot coalesce): a pop and a push, no split. The per-CPU cache is not involved.
void BM_BuddyCore_Order0FromList(benchmark::State& state) {
  auto world = world_of(64 * MiB);
  BuddyAllocator& buddy = detail::global_buddy();
  const auto held = buddy.alloc_block(0);
  const auto listed = buddy.alloc_block(0);
  if (!held || !listed) return state.SkipWithError("setup: buddy out of memory");
  buddy.free_blocks(0, std::span<const std::uint64_t>(&*listed, 1));
  for (auto _ : state) {
    auto head = buddy.alloc_block(0);
    if (!head || *head != *listed) {
      state.SkipWithError("order 0 did not come from the list");
      break;
    }
    buddy.free_blocks(0, std::span<const std::uint64_t>(&*head, 1));
  }
  buddy.free_blocks(0, std::span<const std::uint64_t>(&*held, 1));
}
KEEL_BENCHMARK(BM_BuddyCore_Order0FromList)->Name("BM_BuddyCore/order:0/from_list");

// `frames` order-0 frames allocated, then all dropped: beyond the per-CPU cache's
// capacity (64) every CACHE_BATCH (32) allocations refill from the buddy under its lock
// and every 32 frees past capacity drain to it. With 4096 the slots touched (256 KiB of
// metadata for 16 MiB of frames) leave the L1 and L2 caches between uses: a cold variant.
void BM_AllocFreeBatch(benchmark::State& state) {
  const auto frames = static_cast<std::size_t>(state.range(0));
  auto world = world_of(64 * MiB);
  std::vector<std::optional<frame::UniqueFrame<frame::UntypedMeta>>> held(frames);
  for (auto _ : state) {
    bool ok = true;
    for (auto& slot : held) {
      auto frame = alloc_frame(frame::UntypedMeta{}, {.zeroed = false});
      if (!ok_or_fail(state, frame)) {
        ok = false;
        break;
      }
      slot.emplace(std::move(*frame));
    }
    for (auto& slot : held) slot.reset();
    if (!ok) break;
  }
  state.counters["ns_per_frame"] = benchmark::Counter(
      static_cast<double>(state.iterations() * frames),
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  state.SetLabel("figure=ns_per_frame");
}
KEEL_BENCHMARK(BM_AllocFreeBatch)->ArgName("frames")->Arg(32)->Arg(64)->Arg(128)->Arg(4096);

// from_in_use and drop over 65536 shared frames in turn (4 MiB of slots, more than this
// machine's L2): the slot is cold at each use, unlike BM_FromInUseDrop's one frame.
void BM_FromInUseDrop_Cold(benchmark::State& state) {
  constexpr std::size_t FRAMES = 65536;
  auto world = world_of(512 * MiB);
  std::vector<frame::Frame<frame::UntypedMeta>> frames;
  frames.reserve(FRAMES);
  for (std::size_t i = 0; i < FRAMES; ++i) {
    auto frame = alloc_frame(frame::UntypedMeta{}, {.zeroed = false});
    if (!frame) return state.SkipWithError("setup: allocation failed");
    frames.emplace_back(std::move(*frame));
  }
  std::size_t next = 0;
  for (auto _ : state) {
    // A stride of 97 frames (coprime with the count) walks every slot, none adjacent.
    next = (next + 97) % FRAMES;
    auto again = frame::Frame<frame::UntypedMeta>::from_in_use(frames[next].paddr());
    if (!ok_or_fail(state, again)) break;
    benchmark::DoNotOptimize(again);
  }
}
KEEL_BENCHMARK(BM_FromInUseDrop_Cold)->Name("BM_FromInUseDrop/cold");

// Raw frames over the order sweep: take 2^order aligned UNUSED frames and give them back
// (the raw free checks every frame's state before it changes any, so O(2^order)).
void BM_RawTakeReturn(benchmark::State& state) {
  auto world = world_of(2048 * MiB + 2 * MiB);
  const auto frames = order_frames(static_cast<unsigned>(state.range(0)));
  for (auto _ : state) {
    auto pa = detail::take_frames(frames, frames, false);
    if (!ok_or_fail(state, pa)) break;
    benchmark::DoNotOptimize(pa);
    return_frames_to_allocator(*pa, frames);
  }
}
KEEL_BENCHMARK(BM_RawTakeReturn)->ArgName("order")->DenseRange(0, MAX_ORDER, 3);

void BM_SegmentAlloc(benchmark::State& state) {
  auto world = world_of(64 * MiB);
  const auto n = static_cast<std::uint64_t>(state.range(0));
  for (auto _ : state) {
    auto seg = alloc_segment<frame::UntypedMeta>(n, untyped, 1, {.zeroed = false});
    if (!ok_or_fail(state, seg)) break;
    benchmark::DoNotOptimize(seg);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(n));
}
KEEL_BENCHMARK(BM_SegmentAlloc)->Arg(1)->Arg(8)->Arg(64)->Arg(512);

void BM_IntoRawFromRaw(benchmark::State& state) {
  auto world = world_of(64 * MiB);
  frame::UniqueFrame<frame::UntypedMeta> frame =
      alloc_frame(frame::UntypedMeta{}, {.zeroed = false}).value();
  for (auto _ : state) {
    const Paddr raw = std::move(frame).into_raw();
    benchmark::DoNotOptimize(raw);
    frame = frame::UniqueFrame<frame::UntypedMeta>::from_raw(raw);
  }
}
KEEL_BENCHMARK(BM_IntoRawFromRaw);

void BM_FrameCloneDrop(benchmark::State& state) {
  auto world = world_of(64 * MiB);
  frame::Frame<frame::UntypedMeta> frame = alloc_frame(frame::UntypedMeta{}).value();
  for (auto _ : state) {
    frame::Frame<frame::UntypedMeta> copy = frame;
    benchmark::DoNotOptimize(copy);
  }
}
KEEL_BENCHMARK(BM_FrameCloneDrop);

// from_in_use on a shared frame (type checked first) and the drop of its reference.
void BM_FromInUseDrop(benchmark::State& state) {
  auto world = world_of(64 * MiB);
  frame::Frame<frame::UntypedMeta> frame = alloc_frame(frame::UntypedMeta{}).value();
  for (auto _ : state) {
    auto again = frame::Frame<frame::UntypedMeta>::from_in_use(frame.paddr());
    if (!ok_or_fail(state, again)) break;
    benchmark::DoNotOptimize(again);
  }
}
KEEL_BENCHMARK(BM_FromInUseDrop);

// Makes 1 GiB of slots UNUSED again, as init_frame_allocator finds them at boot.
void reset_slots(std::uint64_t bytes) {
  for (Paddr pa = MiB; pa < bytes + MiB; pa += PAGE_SIZE) {
    testing::slot_of(pa).block.store(0, std::memory_order_relaxed);
    testing::slot_of(pa).ref_count.store(meta::REF_COUNT_UNUSED, std::memory_order_relaxed);
  }
}

// init_frame_allocator over 1 GiB of UNUSED frames (the slot scan + block insertion), with
// the reset of the slots it needs in the loop too (no per-iteration PauseTiming):
// BM_AllocatorResetPerGiB is that reset alone, to subtract.
template <bool init>
void BM_AllocatorPerGiB(benchmark::State& state) {
  constexpr std::uint64_t BYTES = 1024 * MiB;
  testing::SimFrames world(BYTES + MiB, {PhysRange{MiB, BYTES + MiB}});
  const PhysRange usable[] = {{MiB, BYTES + MiB}};
  for (auto _ : state) {
    reset_slots(BYTES);
    if constexpr (init) {
      auto summary = init_frame_allocator(usable);
      benchmark::DoNotOptimize(summary);
    }
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(BYTES));
}
KEEL_BENCHMARK(BM_AllocatorPerGiB<true>)->Name("BM_AllocatorInitPerGiB")->Unit(benchmark::kMillisecond);
KEEL_BENCHMARK(BM_AllocatorPerGiB<false>)->Name("BM_AllocatorResetPerGiB")->Unit(benchmark::kMillisecond);

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
  std::atomic<std::uint64_t> word{meta::REF_COUNT_UNIQUE};
  for (auto _ : state) {
    std::uint64_t expected = meta::REF_COUNT_UNIQUE;
    const bool ok = word.compare_exchange_strong(expected, meta::REF_COUNT_UNIQUE, std::memory_order_relaxed);
    benchmark::DoNotOptimize(ok);
  }
}
KEEL_BENCHMARK(BM_Floor_LockedCompareExchange);

}  // namespace
}  // namespace mm::allocator

BENCHMARK_MAIN();
