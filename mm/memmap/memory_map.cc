#include "mm/memmap/memory_map.h"

#include "lib/contract/contract.h"

namespace mm::memmap {

std::uint64_t MemoryMap::bytes_of(RegionType type) const {
  std::uint64_t total = 0;
  for (const MemoryRegion& region : regions_) {
    if (region.type == type) total += region.range.size();
  }
  return total;
}

std::uint64_t MemoryMap::usable_bytes() const { return bytes_of(RegionType::Usable); }

Paddr MemoryMap::max_usable_end() const {
  for (std::size_t i = regions_.size(); i > 0; --i) {
    if (regions_[i - 1].type == RegionType::Usable) return regions_[i - 1].range.end;
  }
  return 0;
}

std::size_t MemoryMap::first_region_ending_after(Paddr pa) const {
  std::size_t lo = 0;
  std::size_t hi = regions_.size();
  while (lo < hi) {
    const std::size_t mid = lo + (hi - lo) / 2;
    if (regions_[mid].range.end <= pa) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

std::optional<RegionType> MemoryMap::type_at(Paddr pa) const {
  const std::size_t i = first_region_ending_after(pa);
  if (i < regions_.size() && regions_[i].range.contains(pa)) return regions_[i].type;
  return std::nullopt;
}

bool MemoryMap::append(PhysRange range, RegionType type) {
  KREQUIRES(!range.empty());
  if (!regions_.empty()) {
    MemoryRegion& last = regions_.back();
    KREQUIRES(range.start >= last.range.end);
    if (last.range.end == range.start && last.type == type) {
      last.range.end = range.end;
      return true;
    }
  }
  return regions_.push_back(MemoryRegion{range, type});
}

}  // namespace mm::memmap
