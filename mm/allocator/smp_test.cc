// Threads as CPUs (mm/testing/host_cpus.h) racing the allocator and the frame handles. Run
// under ASan+UBSan (bazel test //...) and ThreadSanitizer (bazel test --config=tsan //...).
// Each test ends on a quiescent system with every CPU's cache drained, the invariant walker
// clean and every frame it allocated free again.
#include <gtest/gtest.h>

#include <atomic>
#include <barrier>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mm/allocator/frame_allocator.h"
#include "mm/allocator/invariants.h"
#include "mm/allocator/stats.h"
#include "mm/allocator/testing/allocator_peer.h"
#include "mm/allocator/testing/sim_frames.h"
#include "mm/frame/frame.h"
#include "mm/frame/segment.h"
#include "mm/hal.h"
#include "mm/testing/host_cpus.h"

namespace mm::allocator {
namespace {

using ::mm::testing::HostCpus;
using testing::SimFrames;

constexpr std::uint64_t MiB = 1 << 20;
constexpr unsigned CPUS = 4;

// Remembers where it was allocated, so a reference taken by from_in_use can check that the
// metadata it sees was published for this very frame.
struct TagMeta {
  Paddr pa = 0;
};

std::string text(const AllocatorInvariantViolation& v) {
  keel::fmt::FixedString<512> s;
  keel::fmt::print(s, "{}", v);
  return std::string(s.view());
}

// Each CPU allocates one order-0 frame and frees it: its cache is refilled with a batch
// and keeps what the free gives back.
void fill_every_cpu_cache(HostCpus& cpus) {
  cpus.run([](unsigned) {
    ASSERT_TRUE(alloc_frame(frame::UntypedMeta{}, {.zeroed = false}).has_value());
  });
}

// What each allocator and frame test runs in: simulated memory [0, phys_end) (usable from
// 1 MiB), the free-frame total it starts with, and `cpu_count` threads as CPUs.
struct SmpWorld {
  SmpWorld(std::uint64_t phys_end, unsigned cpu_count) : frames(phys_end), cpus(cpu_count) {}

  // How a test ends: every CPU gives its cache back (on its own thread, as the contract
  // asks), then the full invariant walk, and every frame free at the start is free again.
  void expect_quiescent_and_free() {
    cpus.run([](unsigned) { drain_cpu_cache(); });
    const auto ok = check_allocator_invariants();
    EXPECT_TRUE(ok.has_value()) << text(ok.error());
    const AllocatorStats stats = allocator_stats();
    EXPECT_EQ(stats.cached_frames, 0u);
    EXPECT_EQ(stats.total_free_frames, free_before);
  }

  SimFrames frames;
  const std::uint64_t free_before = allocator_stats().total_free_frames;
  HostCpus cpus;
};

TEST(HostCpusTest, CurrentCpuAndInterruptLinesModelCpus) {
  HostCpus cpus(CPUS);
  EXPECT_GE(hal::cpu_count(), CPUS);
  std::atomic<unsigned> seen_mask{0};
  cpus.run([&](unsigned cpu) {
    EXPECT_EQ(hal::current_cpu(), cpu);
    EXPECT_TRUE(hal::irqs_enabled());
    {
      hal::InterruptGuard outer;
      EXPECT_FALSE(hal::irqs_enabled());
      { hal::InterruptGuard nested; }
      EXPECT_FALSE(hal::irqs_enabled());  // nesting restores the outer (disabled) state
    }
    EXPECT_TRUE(hal::irqs_enabled());
    seen_mask.fetch_or(1u << cpu);
  });
  EXPECT_EQ(seen_mask.load(), (1u << CPUS) - 1);
}

TEST(HostCpusTest, CrossCallRunsOnEveryOtherCpuWithInterruptsOff) {
  HostCpus cpus(CPUS);
  struct Seen {
    std::atomic<unsigned> mask{0};
    std::atomic<bool> irqs_on_in_handler{false};
  } seen;
  cpus.run([&](unsigned cpu) {
    if (cpu != 1) return;
    hal::run_on_other_cpus(
        [](void* arg) {
          auto& s = *static_cast<Seen*>(arg);
          if (hal::irqs_enabled()) s.irqs_on_in_handler = true;
          s.mask.fetch_or(1u << hal::current_cpu());
        },
        &seen);
    EXPECT_EQ(hal::current_cpu(), 1u);  // the caller is itself again afterwards
  });
  EXPECT_EQ(seen.mask.load(), (1u << CPUS) - 1 - (1u << 1));
  EXPECT_FALSE(seen.irqs_on_in_handler.load());
}

// Frames allocated on one CPU are freed on another: blocks migrate between caches through
// the buddy lists (refill and drain batches) under contention.
TEST(AllocatorSmpTest, FramesFreedOnAnotherCpu) {
  SmpWorld world(16 * MiB, CPUS);
  constexpr unsigned ROUNDS = 40;
  constexpr unsigned PER_ROUND = 100;  // > CACHE_CAPACITY: every round refills and drains
  std::vector<std::vector<std::optional<frame::UniqueFrame<TagMeta>>>> handoff(CPUS);
  for (auto& v : handoff) v.resize(PER_ROUND);
  std::barrier sync(CPUS);
  std::atomic<unsigned> failures{0};
  world.cpus.run([&](unsigned cpu) {
    for (unsigned round = 0; round < ROUNDS; ++round) {
      for (auto& slot : handoff[cpu]) {
        auto frame = alloc_frame(TagMeta{}, {.zeroed = false});
        if (!frame) {
          failures.fetch_add(1);
          continue;
        }
        slot.emplace(std::move(*frame));
      }
      sync.arrive_and_wait();
      for (auto& slot : handoff[(cpu + 1 + round % (CPUS - 1)) % CPUS]) slot.reset();
      sync.arrive_and_wait();
    }
  });
  EXPECT_EQ(failures.load(), 0u);
  world.expect_quiescent_and_free();
}

// Memory the other CPUs hold in their caches is reached before out-of-memory is reported.
TEST(AllocatorSmpTest, ExhaustionDrainsOtherCpusCaches) {
  SmpWorld world(8 * MiB, CPUS);
  fill_every_cpu_cache(world.cpus);
  const std::uint64_t cached = allocator_stats().cached_frames;
  ASSERT_GE(cached, CPUS * (CACHE_BATCH - 1));
  std::uint64_t taken = 0;
  std::vector<frame::UniqueFrame<frame::UntypedMeta>> all;
  world.cpus.run([&](unsigned cpu) {
    if (cpu != 2) return;
    while (auto frame = alloc_frame(frame::UntypedMeta{}, {.zeroed = false}))
      all.push_back(std::move(*frame));
    taken = all.size();
  });
  EXPECT_EQ(taken, world.free_before);  // every frame, including the other CPUs' cached ones
  EXPECT_EQ(allocator_stats().total_free_frames, 0u);
  all.clear();
  world.expect_quiescent_and_free();
}

// With interrupts disabled the allocator cannot cross-call: it drains only its own cache
// and reports out-of-memory while other CPUs still cache frames.
TEST(AllocatorSmpTest, ExhaustionWithInterruptsOffLeavesOtherCachesAlone) {
  SmpWorld world(8 * MiB, CPUS);
  fill_every_cpu_cache(world.cpus);
  std::uint64_t others_cached = 0;
  for (unsigned cpu = 0; cpu < CPUS; ++cpu) {
    if (cpu != 2) others_cached += cpu_cache(cpu).cached_frames();
  }
  ASSERT_GT(others_cached, 0u);
  std::vector<frame::UniqueFrame<frame::UntypedMeta>> all;
  std::optional<AllocError> error;
  world.cpus.run([&](unsigned cpu) {
    if (cpu != 2) return;
    hal::InterruptGuard irq;
    for (;;) {
      auto frame = alloc_frame(frame::UntypedMeta{}, {.zeroed = false});
      if (!frame) {
        error = frame.error();
        break;
      }
      all.push_back(std::move(*frame));
    }
  });
  EXPECT_EQ(all.size(), world.free_before - others_cached);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->free_frames, others_cached);  // the error says where the memory is
  all.clear();
  world.expect_quiescent_and_free();
}

// All CPUs allocate until out-of-memory at once, each draining the others as it fails;
// nothing is lost or handed out twice.
TEST(AllocatorSmpTest, ConcurrentExhaustionLosesNothing) {
  SmpWorld world(8 * MiB, CPUS);
  std::vector<std::vector<frame::UniqueFrame<TagMeta>>> held(CPUS);
  for (unsigned round = 0; round < 3; ++round) {
    world.cpus.run([&](unsigned cpu) {
      while (auto frame = alloc_frame(TagMeta{}, {.zeroed = false})) held[cpu].push_back(std::move(*frame));
    });
    std::uint64_t taken = 0;
    for (auto& v : held) taken += v.size();
    EXPECT_EQ(taken + allocator_stats().total_free_frames, world.free_before);
    world.cpus.run([&](unsigned cpu) { held[(cpu + 1) % CPUS].clear(); });
  }
  world.expect_quiescent_and_free();
}

// from_in_use races the last drop of a shared frame: it either takes a reference to the
// live frame (whose metadata it then sees whole) or is refused; it never revives a frame
// on its way back to the allocator.
TEST(FrameSmpTest, FromInUseRacesTheLastDrop) {
  SmpWorld world(8 * MiB, 2);
  constexpr unsigned ITERATIONS = 20000;
  std::atomic<Paddr> published{0};
  std::atomic<bool> done{false};
  std::atomic<unsigned> wrong_meta{0};
  std::atomic<std::uint64_t> grabbed{0};
  world.cpus.run([&](unsigned cpu) {
    if (cpu == 0) {
      for (unsigned i = 0; i < ITERATIONS; ++i) {
        // Raw frames come back UNUSED, so the metadata can name the frame it is for.
        const Paddr pa = detail::take_frames(1, 1, /*zeroed=*/false).value();
        frame::Frame<TagMeta> shared = frame::Frame<TagMeta>::from_unused(pa, TagMeta{pa}).value();
        published.store(pa, std::memory_order_relaxed);
        frame::Frame<TagMeta> second = shared;  // copy: +1
        // The last drop is one of these two, racing CPU 1's from_in_use.
      }
      done.store(true);
      return;
    }
    while (!done.load()) {
      const Paddr pa = published.load(std::memory_order_relaxed);
      if (pa == 0) continue;
      if (auto frame = frame::Frame<TagMeta>::from_in_use(pa)) {
        grabbed.fetch_add(1, std::memory_order_relaxed);
        if (frame->meta().pa != pa) wrong_meta.fetch_add(1);
      }
    }
  });
  EXPECT_EQ(wrong_meta.load(), 0u);
  std::printf("from_in_use won %llu races of %u\n", static_cast<unsigned long long>(grabbed.load()),
              ITERATIONS);
  world.expect_quiescent_and_free();
}

// Segment::from_unused fails on its last frame while CPU 1 tries from_in_use on the frames
// before it: they must never be grabbable (the claim is all-or-nothing), and every one is
// UNUSED again afterwards.
TEST(FrameSmpTest, SegmentFromUnusedRacesFromInUse) {
  SmpWorld world(8 * MiB, 2);
  constexpr std::uint64_t FRAMES = 8;
  const Paddr base = detail::take_frames(FRAMES, 1, /*zeroed=*/false).value();
  const PhysRange range{base, base + FRAMES * PAGE_SIZE};
  // The last frame is someone else's: every from_unused of the range fails there.
  auto blocker = frame::UniqueFrame<TagMeta>::from_unused(range.end - PAGE_SIZE, TagMeta{}).value();
  constexpr unsigned ITERATIONS = 20000;
  std::atomic<bool> done{false};
  std::atomic<unsigned> grabbed{0};
  std::atomic<unsigned> wrong_error{0};
  world.cpus.run([&](unsigned cpu) {
    if (cpu == 0) {
      for (unsigned i = 0; i < ITERATIONS; ++i) {
        auto segment =
            frame::Segment<TagMeta>::from_unused(range, [](Paddr pa) { return TagMeta{pa}; });
        if (segment.has_value() || segment.error() != frame::GetFrameError::Unique)
          wrong_error.fetch_add(1);
      }
      done.store(true);
      return;
    }
    while (!done.load()) {
      for (Paddr pa = range.start; pa + PAGE_SIZE < range.end; pa += PAGE_SIZE) {
        if (auto frame = frame::Frame<TagMeta>::from_in_use(pa)) {
          grabbed.fetch_add(1);
          (void)std::move(*frame).into_raw();  // keep it grabbed, so the test sees the damage
        }
      }
    }
  });
  EXPECT_EQ(wrong_error.load(), 0u);
  ASSERT_EQ(grabbed.load(), 0u) << "from_in_use took a frame of a failed Segment::from_unused";
  for (Paddr pa = range.start; pa + PAGE_SIZE < range.end; pa += PAGE_SIZE) {
    EXPECT_EQ(meta::frame_to_meta(pa)->ref_count.load(), meta::REF_COUNT_UNUSED);
  }
  std::move(blocker).reset_as_unused(testing::AllocatorPeer::passkey());
  return_frames_to_allocator(base, FRAMES);
  world.expect_quiescent_and_free();
}

}  // namespace
}  // namespace mm::allocator
