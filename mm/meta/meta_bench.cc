// Host benchmark: frame-metadata initialization per GiB of RAM (the boot hot loop), over
// simulated physical memory. The goal is ≤ 1 ms per GiB on one core.
#include <benchmark/benchmark.h>

#include <array>
#include <memory>

#include "mm/memmap/firmware_region.h"
#include "mm/memmap/map_warnings.h"
#include "mm/memmap/memory_map.h"
#include "mm/memmap/reservation.h"
#include "mm/memmap/sanitize.h"
#include "mm/meta/meta_plan.h"
#include "mm/meta/meta_region.h"
#include "mm/testing/bench_iterations.h"
#include "mm/testing/sim_memory.h"

namespace {

constexpr std::uint64_t GIB = 1ull << 30;

// A QEMU-pc-like map with `gib` GiB of RAM, split around the PCI hole above 3 GiB.
void make_map(std::uint64_t gib, mm::memmap::MemoryMap& map) {
  const std::uint64_t low_end = gib * GIB < 3 * GIB ? gib * GIB : 3 * GIB;
  std::array<mm::memmap::FirmwareRegion, 3> firmware = {{
      {0, 0x9fc00, 1, mm::memmap::FirmwareMapKind::E820},
      {0x100000, low_end - 0x100000, 1, mm::memmap::FirmwareMapKind::E820},
      {4 * GIB, gib * GIB - low_end, 1, mm::memmap::FirmwareMapKind::E820},
  }};
  const std::size_t count = gib * GIB > low_end ? 3 : 2;
  mm::memmap::MapWarnings warnings;
  if (!mm::memmap::sanitize_memory_map({firmware.data(), count}, {}, map, warnings)) std::abort();
}

void BM_MetaInitPerGiB(benchmark::State& state) {
  const auto gib = static_cast<std::uint64_t>(state.range(0));
  auto map = std::make_unique<mm::memmap::MemoryMap>();
  make_map(gib, *map);
  const auto plan = mm::meta::plan_meta_region(*map);
  if (!plan) std::abort();
  mm::testing::SimMemory memory(plan->covered().end);
  mm::memmap::ReservationList reservations;
  (void)mm::memmap::reserve_low_memory(reservations);
  // Touch the simulated metadata once so the loop measures stores, not host page faults.
  if (!mm::meta::init_meta_region(*map, *plan, memory.slots_base(), reservations.list())) std::abort();
  for (auto _ : state) {
    mm::meta::reset_meta_region_for_testing();
    auto stats = mm::meta::init_meta_region(*map, *plan, memory.slots_base(), reservations.list());
    benchmark::DoNotOptimize(stats);
  }
  state.counters["s_per_GiB"] = benchmark::Counter(
      static_cast<double>(gib) * state.iterations(),
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
KEEL_BENCHMARK(BM_MetaInitPerGiB)->Arg(1)->Arg(4)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
