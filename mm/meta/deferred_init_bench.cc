// Host benchmark: deferred metadata init per GiB of RAM — writing a unit's slots and adding
// its free frames to the live allocator — on 1 and 2 threads acting as CPUs, in one run so
// their ratio is the speedup. The metadata is touched once first, so the loop measures
// stores and list pushes, not host page faults. Each iteration includes starting and
// joining the threads (tens of microseconds against milliseconds of work). A memset of the
// same bytes on the same threads, in the same run, is the floor the machine allows.
#include <benchmark/benchmark.h>

#include <array>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "mm/allocator/frame_allocator.h"
#include "mm/memmap/firmware_region.h"
#include "mm/memmap/map_warnings.h"
#include "mm/memmap/memory_map.h"
#include "mm/memmap/reservation.h"
#include "mm/memmap/sanitize.h"
#include "mm/meta/deferred_init.h"
#include "mm/meta/meta_plan.h"
#include "mm/meta/meta_region.h"
#include "mm/meta/meta_units.h"
#include "mm/testing/host_cpus.h"
#include "mm/testing/sim_memory.h"

namespace {

constexpr std::uint64_t GIB = 1ull << 30;
constexpr std::uint64_t RAM_GIB = 8;

// A QEMU-pc-like map: 3 GiB below the PCI hole, the rest from 4 GiB.
void make_map(mm::memmap::MemoryMap& map) {
  const std::array<mm::memmap::FirmwareRegion, 3> firmware = {{
      {0, 0x9fc00, 1, mm::memmap::FirmwareMapKind::E820},
      {0x100000, 3 * GIB - 0x100000, 1, mm::memmap::FirmwareMapKind::E820},
      {4 * GIB, (RAM_GIB - 3) * GIB, 1, mm::memmap::FirmwareMapKind::E820},
  }};
  mm::memmap::MapWarnings warnings;
  if (!mm::memmap::sanitize_memory_map(firmware, {}, map, warnings)) std::abort();
}

void BM_DeferredInitPerGiB(benchmark::State& state) {
  const auto threads = static_cast<unsigned>(state.range(0));
  auto map = std::make_unique<mm::memmap::MemoryMap>();
  make_map(*map);
  const auto plan = mm::meta::plan_meta_region(*map);
  if (!plan) std::abort();
  mm::testing::SimMemory memory(plan->covered().end);
  mm::memmap::ReservationList reservations;
  (void)mm::memmap::reserve_low_memory(reservations);
  std::vector<mm::PhysRange> usable;
  for (const mm::memmap::MemoryRegion& region : map->regions()) {
    if (region.type == mm::memmap::RegionType::Usable) usable.push_back(region.range);
  }
  mm::testing::HostCpus cpus(threads);
  // Every unit deferred, none adopted at init: the threads do all of the work.
  auto start_over = [&] {
    mm::meta::reset_meta_region_for_testing();
    if (!mm::meta::init_meta_region(*map, *plan, memory.slots_base(), reservations.list(),
                              {.eager_usable_bytes = 0})) {
      std::abort();
    }
    if (!mm::allocator::init_frame_allocator(usable)) std::abort();
  };
  start_over();
  (void)mm::meta::finish_pending_meta_units();  // pages of the simulated metadata now resident
  for (auto _ : state) {
    state.PauseTiming();
    start_over();
    state.ResumeTiming();
    cpus.run([](unsigned) { (void)mm::meta::run_pending_meta_units(); });
    state.PauseTiming();
    // A run that did not add every free frame has failed: it must not be reported as a time.
    if (mm::meta::meta_units_unfinished() != 0) {
      state.SkipWithError("units left unfinished");
      break;
    }
    state.ResumeTiming();
  }
  // Shown in seconds per GiB (Google Benchmark scales it: "3.3ms" is 3.3 ms/GiB).
  state.counters["s_per_GiB"] = benchmark::Counter(
      static_cast<double>(RAM_GIB) * state.iterations(),
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_DeferredInitPerGiB)->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);

// The floor: plain stores of the same bytes (64 per 4 KiB frame of RAM_GIB GiB), split
// among the same threads. What this machine's memory bandwidth allows the fill above.
void BM_Floor_MemsetMetadataPerGiB(benchmark::State& state) {
  const auto threads = static_cast<unsigned>(state.range(0));
  constexpr std::uint64_t BYTES = RAM_GIB * GIB / mm::PAGE_SIZE * 64;
  std::vector<std::byte> metadata(BYTES);  // value-initialised: every page resident
  mm::testing::HostCpus cpus(threads);
  std::byte value{1};
  for (auto _ : state) {
    cpus.run([&](unsigned cpu) {
      const std::uint64_t share = BYTES / threads;
      std::memset(metadata.data() + cpu * share, static_cast<int>(value), share);
    });
    value = std::byte{static_cast<unsigned char>(static_cast<unsigned>(value) + 1)};
    benchmark::DoNotOptimize(metadata.data());
  }
  state.counters["s_per_GiB"] = benchmark::Counter(
      static_cast<double>(RAM_GIB) * state.iterations(),
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(BM_Floor_MemsetMetadataPerGiB)->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
