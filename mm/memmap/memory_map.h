// MemoryMap: keel's sanitized physical memory map — sorted, disjoint, merged ranges with
// one RegionType each. Built by sanitize_memory_map() (sanitize.h); ranges it does not
// list are holes (nothing there, or nothing the firmware told us about).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "mm/memmap/bounded_array.h"
#include "mm/memmap/region_type.h"
#include "mm/types.h"

namespace mm::memmap {

// Input bound: what the boot parser keeps (boot::MAX_MEMORY_REGIONS).
inline constexpr std::size_t MAX_FIRMWARE_REGIONS = 512;
// Output bound: N input ranges have at most 2N distinct boundaries, so at most 2N - 1
// sanitized ranges; reservations are kept in their own list and never split the map.
inline constexpr std::size_t MAX_MAP_REGIONS = 2 * MAX_FIRMWARE_REGIONS;

struct MemoryRegion {
  PhysRange range;
  RegionType type;
  friend constexpr bool operator==(const MemoryRegion&, const MemoryRegion&) = default;
};

class MemoryMap {
 public:
  constexpr MemoryMap() = default;

  std::span<const MemoryRegion> regions() const { return regions_.span(); }
  std::size_t size() const { return regions_.size(); }
  bool empty() const { return regions_.empty(); }

  // Sum of usable bytes; the end of the highest usable range (0 when there is none).
  std::uint64_t usable_bytes() const;
  std::uint64_t bytes_of(RegionType type) const;
  Paddr max_usable_end() const;

  // The type of the range holding `pa`, or nullopt in a hole. O(log n).
  std::optional<RegionType> type_at(Paddr pa) const;
  // Index of the first region whose end lies above `pa` (size() if none). O(log n).
  std::size_t first_region_ending_after(Paddr pa) const;

  // Calls fn(PhysRange part, std::optional<RegionType> type) for consecutive parts of
  // `range` in address order; type is nullopt for parts in holes between regions.
  template <typename Fn>
  void for_each_segment(PhysRange range, Fn&& fn) const {
    const auto list = regions_.span();
    std::size_t i = first_region_ending_after(range.start);
    Paddr pos = range.start;
    while (pos < range.end) {
      if (i < list.size() && list[i].range.start <= pos) {
        const Paddr end = list[i].range.end < range.end ? list[i].range.end : range.end;
        fn(PhysRange{pos, end}, std::optional<RegionType>(list[i].type));
        pos = end;
        ++i;
      } else {
        const Paddr next = i < list.size() ? list[i].range.start : range.end;
        const Paddr end = next < range.end ? next : range.end;
        fn(PhysRange{pos, end}, std::optional<RegionType>());
        pos = end;
      }
    }
  }

  // Appends [range) of `type`. Requires: range non-empty and starting at or after the end
  // of the last region. Merges with the last region when adjacent and of the same type.
  // Returns false when the map is full.
  [[nodiscard]] bool append(PhysRange range, RegionType type);
  void clear() { regions_.clear(); }

 private:
  friend class MapSanitizer;

  BoundedArray<MemoryRegion, MAX_MAP_REGIONS> regions_;
  // Scratch for sanitize_memory_map's sweep (one start and one end per input entry); kept
  // here rather than on the stack because early kernel stacks are small.
  std::array<std::uint64_t, 2 * MAX_FIRMWARE_REGIONS> sweep_scratch_{};
};

}  // namespace mm::memmap
