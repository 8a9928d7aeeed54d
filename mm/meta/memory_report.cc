#include "mm/meta/memory_report.h"

#include "lib/fmt/format.h"

namespace mm::meta {

void print_memory_map(keel::fmt::Sink& sink, const memmap::MemoryMap& map) {
  keel::fmt::print(sink, "  {:<18}  {:<18}  {:>10}  {}\n", "base", "end", "size", "type");
  for (const memmap::MemoryRegion& region : map.regions()) {
    keel::fmt::print(sink, "  {:#018x}  {:#018x}  {:>10}  {}\n", region.range.start, region.range.end,
               keel::fmt::HumanBytes{region.range.size()}, region.type);
  }
}

std::uint64_t meta_overhead_basis_points(const memmap::MemoryMap& map, const MetaPlan& plan) {
  const std::uint64_t usable = map.usable_bytes();
  // backed_bytes ≤ 2^40 (1 TiB region), so × 10000 cannot overflow.
  return usable == 0 ? 0 : plan.backed_bytes * 10000 / usable;
}

void print_memory_summary(keel::fmt::Sink& sink, const memmap::MemoryMap& map, const MetaPlan& plan) {
  keel::fmt::print(sink, "usable {} ({:#x} bytes), highest usable address {:#x}\n",
             keel::fmt::HumanBytes{map.usable_bytes()}, map.usable_bytes(), map.max_usable_end());
  keel::fmt::print(sink, "not usable: reserved {}, acpi {}, nvs {}, unusable {}, persistent {}\n",
             keel::fmt::HumanBytes{map.bytes_of(memmap::RegionType::Reserved)},
             keel::fmt::HumanBytes{map.bytes_of(memmap::RegionType::AcpiReclaimable)},
             keel::fmt::HumanBytes{map.bytes_of(memmap::RegionType::AcpiNvs)},
             keel::fmt::HumanBytes{map.bytes_of(memmap::RegionType::Unusable)},
             keel::fmt::HumanBytes{map.bytes_of(memmap::RegionType::Persistent)});
  const std::uint64_t bp = meta_overhead_basis_points(map, plan);
  keel::fmt::print(sink,
             "metadata: {} slots, {} backed in {} stretches, {} saved by sparse backing, "
             "overhead {}.{:02}% of usable\n",
             plan.slot_count, keel::fmt::HumanBytes{plan.backed_bytes}, plan.backed.size(),
             keel::fmt::HumanBytes{plan.saved_bytes}, bp / 100, bp % 100);
}

}  // namespace mm::meta
