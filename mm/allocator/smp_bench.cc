// Google Benchmark of the frame allocator on several threads registered as CPUs
// (mm/testing/host_cpus.h): the per-CPU caches' scaling, and the cost of reaching frames
// another CPU holds in its cache when the lists run dry (drain before out-of-memory).
//
//   bazel run -c opt //mm/allocator:allocator_smp_bench
//
// Per-thread cost at N threads is N / items_per_second; on a machine with at least N
// cores, order-0 alloc+free should cost about the same at 1 and 2 threads.
#include <benchmark/benchmark.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "mm/allocator/frame_allocator.h"
#include "mm/allocator/stats.h"
#include "mm/allocator/testing/sim_frames.h"
#include "mm/frame/unique_frame.h"
#include "mm/hal.h"
#include "mm/testing/bench_iterations.h"
#include "mm/testing/host_cpus.h"

namespace mm::allocator {
namespace {

constexpr std::uint64_t MiB = 1 << 20;
constexpr unsigned BENCH_CPUS = 2;

// One world and one set of CPUs for the whole run: Setup/Teardown of the threaded
// benchmarks make and drop them before and after each run's threads.
std::unique_ptr<testing::SimFrames> g_world;
std::unique_ptr<mm::testing::HostCpus> g_cpus;

// glibc leaves the lock prefix off its mutexes (the host HAL's interrupt lines, malloc's
// arenas) until the process first starts a second thread. Threads(1) runs before Google
// Benchmark starts any, so without this its figure would come from cheaper instructions
// than Threads(2)'s and the 1-vs-2 ratio would measure glibc instead of the allocator.
void start_multithreaded_mode(const benchmark::State&) { std::thread([] {}).join(); }

void make_world(const benchmark::State& state) {
  start_multithreaded_mode(state);
  g_world = std::make_unique<testing::SimFrames>(256 * MiB);
  g_cpus = std::make_unique<mm::testing::HostCpus>(BENCH_CPUS);
}
void drop_world(const benchmark::State&) {
  g_cpus.reset();
  g_world.reset();
}

// Order-0 alloc_frame + drop on each thread, each its own CPU: served by that CPU's cache.
void BM_AllocFreeOrder0PerCpu(benchmark::State& state) {
  const ::mm::testing::HostCpus::Binding as_cpu(*g_cpus,
                                                static_cast<unsigned>(state.thread_index()));
  for (auto _ : state) {
    auto frame = alloc_frame(frame::UntypedMeta{}, {.zeroed = false});
    if (!frame) {
      state.SkipWithError("allocation failed");
      break;
    }
    benchmark::DoNotOptimize(frame);
  }
  drain_cpu_cache();
  state.SetItemsProcessed(state.iterations());
}
KEEL_BENCHMARK(BM_AllocFreeOrder0PerCpu)
    ->Setup(make_world)
    ->Teardown(drop_world)
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime();

// The same shape with glibc's per-thread caches (malloc/free of a 4 KiB block): how this
// machine scales from 1 to 2 threads when nothing is shared, measured in the same run.
void BM_GlibcMallocFree4KPerThread(benchmark::State& state) {
  for (auto _ : state) {
    void* p = std::malloc(4096);
    if (p == nullptr) {
      state.SkipWithError("malloc failed");
      break;
    }
    benchmark::DoNotOptimize(p);
    std::free(p);
  }
  state.SetItemsProcessed(state.iterations());
}
KEEL_BENCHMARK(BM_GlibcMallocFree4KPerThread)->Setup(start_multithreaded_mode)->Threads(1)->Threads(2)->UseRealTime();

// A locked read-modify-write on a cache line of the thread's own, twice per iteration: what
// the host HAL's interrupt-disable (a per-CPU mutex: lock, unlock) costs each allocation
// and each free here. Shows whether this machine scales such instructions from 1 to 2
// threads; the kernel's cli/sti has no locked instruction.
struct alignas(64) OwnLine {
  std::atomic<std::uint64_t> word{0};
};
std::array<OwnLine, BENCH_CPUS> g_own_lines;
void BM_Floor_TwoLockedRmwOnOwnLine(benchmark::State& state) {
  auto& word = g_own_lines[static_cast<unsigned>(state.thread_index())].word;
  for (auto _ : state) {
    word.fetch_add(1, std::memory_order_acquire);
    word.fetch_sub(1, std::memory_order_release);
  }
  state.SetItemsProcessed(state.iterations());
}
KEEL_BENCHMARK(BM_Floor_TwoLockedRmwOnOwnLine)->Threads(1)->Threads(2)->UseRealTime();

// Order-0 frames in batches of 48 (more than a refill batch) per thread, alloc then free:
// every round refills from and drains to the buddy lists, which the threads share.
void BM_AllocFreeBatchesPerCpu(benchmark::State& state) {
  const ::mm::testing::HostCpus::Binding as_cpu(*g_cpus,
                                                static_cast<unsigned>(state.thread_index()));
  constexpr unsigned BATCH = 48;
  std::vector<std::optional<frame::UniqueFrame<frame::UntypedMeta>>> frames(BATCH);
  for (auto _ : state) {
    for (auto& slot : frames) {
      auto frame = alloc_frame(frame::UntypedMeta{}, {.zeroed = false});
      if (!frame) {
        state.SkipWithError("allocation failed");
        return;
      }
      slot.emplace(std::move(*frame));
    }
    for (auto& slot : frames) slot.reset();
  }
  drain_cpu_cache();
  state.SetItemsProcessed(state.iterations() * BATCH);
}
KEEL_BENCHMARK(BM_AllocFreeBatchesPerCpu)
    ->Setup(make_world)
    ->Teardown(drop_world)
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime();

// Frees `count` held frames on CPU 1 (through a cross-CPU call), so they sit in its cache.
struct Handoff {
  std::vector<frame::UniqueFrame<frame::UntypedMeta>>* held;
  unsigned count;
};
void free_on_cpu1(void* arg) {
  if (hal::current_cpu() != 1) return;
  auto& h = *static_cast<Handoff*>(arg);
  for (unsigned i = 0; i < h.count; ++i) h.held->pop_back();
}

// The allocation that finds the lists and this CPU's cache empty and the frames in CPU 1's
// cache: it drains that cache by a cross-CPU call and retries. Only that allocation is
// timed (manual time); the setup holds every other frame. Beside it, in the same run, an
// allocation served by this CPU's cache and one refilled from the lists.
enum class Source { ThisCache, Lists, OtherCpusCache };

template <Source source>
void BM_AllocOneFrameFrom(benchmark::State& state) {
  testing::SimFrames world(32 * MiB);
  mm::testing::HostCpus cpus(2);
  const ::mm::testing::HostCpus::Binding as_cpu(cpus, 0);
  std::vector<frame::UniqueFrame<frame::UntypedMeta>> held;
  held.reserve(8192);
  for (auto _ : state) {
    drain_cpu_cache();
    for (;;) {
      auto frame = alloc_frame(frame::UntypedMeta{}, {.zeroed = false});
      if (!frame) break;
      held.push_back(std::move(*frame));
    }
    if constexpr (source == Source::ThisCache) {
      held.pop_back();  // back into this CPU's cache
    } else if constexpr (source == Source::Lists) {
      held.pop_back();
      drain_cpu_cache();  // back onto the lists
    } else {
      Handoff handoff{&held, 1};
      hal::run_on_other_cpus(&free_on_cpu1, &handoff);
    }
    const auto start = std::chrono::steady_clock::now();
    auto frame = alloc_frame(frame::UntypedMeta{}, {.zeroed = false});
    const auto stop = std::chrono::steady_clock::now();
    if (!frame) {
      state.SkipWithError("the frame was not reached");
      break;
    }
    state.SetIterationTime(std::chrono::duration<double>(stop - start).count());
    held.push_back(std::move(*frame));
    held.clear();
  }
}
KEEL_BENCHMARK(BM_AllocOneFrameFrom<Source::ThisCache>)
    ->Name("BM_AllocOneFrameFrom/this_cpus_cache")
    ->UseManualTime()
    ->Iterations(200);
KEEL_BENCHMARK(BM_AllocOneFrameFrom<Source::Lists>)
    ->Name("BM_AllocOneFrameFrom/lists")
    ->UseManualTime()
    ->Iterations(200);
KEEL_BENCHMARK(BM_AllocOneFrameFrom<Source::OtherCpusCache>)
    ->Name("BM_AllocOneFrameFrom/other_cpus_cache")
    ->UseManualTime()
    ->Iterations(200);

}  // namespace
}  // namespace mm::allocator

BENCHMARK_MAIN();
