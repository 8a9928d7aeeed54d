// Warnings from sanitizing a firmware memory map: things keel fixed up, bounded so boot can
// collect them before any allocator exists and print them later.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "lib/fmt/format_fwd.h"
#include "mm/memmap/bounded_array.h"
#include "mm/memmap/firmware_region.h"
#include "mm/memmap/region_type.h"
#include "mm/types.h"

namespace mm::memmap {

enum class MapWarningKind : std::uint8_t {
  ZeroLength,          // an entry of length 0 (ignored)
  AbovePhysLimit,      // an entry entirely at or above the physical address limit (ignored)
  TrimmedToPhysLimit,  // an entry crossing the limit, cut at it
  UsableNotAligned,    // a usable entry shrunk inward to 4 KiB boundaries
  UsableBelowPage,     // a usable entry holding no whole 4 KiB frame (ignored)
  UnknownType,         // a type number keel does not know (treated as reserved)
  Overlap,             // entries overlap; the more restrictive type was kept
  RunsPast2To64,       // base + length passes 2^64: usable dropped, other types kept to the
                       // physical address limit (or dropped when they start above it)
};
const char* map_warning_kind_name(MapWarningKind kind);

inline constexpr std::uint32_t NO_ENTRY = ~std::uint32_t{0};

struct MapWarning {
  MapWarningKind kind;
  std::uint32_t entry_index = NO_ENTRY;  // the firmware entry, or NO_ENTRY (Overlap)
  PhysRange original;                    // the entry's range as given (Overlap: the range;
                                         // RunsPast2To64: end is base + length mod 2^64)
  PhysRange adjusted;                    // what keel kept (empty: dropped)
  RegionType type = RegionType::Reserved;  // the entry's type (Overlap: the winner)
  std::uint32_t firmware_type = 0;
  FirmwareMapKind firmware_kind = FirmwareMapKind::E820;
  Paddr limit = 0;  // AbovePhysLimit / TrimmedToPhysLimit / RunsPast2To64
  bool length_saturated = false;  // RunsPast2To64: the firmware's length did not fit 64 bits
};

// One line of text, no newline: "entry 3 usable [0x0, 0x9fc00): not page aligned, trimmed
// to [0x0, 0x9f000)".
void format_value(keel::fmt::Sink& sink, const keel::fmt::Spec& spec, const MapWarning& warning);

class MapWarnings {
 public:
  static constexpr std::size_t CAPACITY = 32;

  void add(const MapWarning& warning) {
    if (!list_.push_back(warning)) ++dropped_;
  }
  std::span<const MapWarning> list() const { return list_.span(); }
  MapWarning& back() { return list_.back(); }
  std::size_t size() const { return list_.size(); }
  bool empty() const { return list_.empty() && dropped_ == 0; }
  std::size_t dropped() const { return dropped_; }  // warnings past CAPACITY, counted only
  void clear() {
    list_.clear();
    dropped_ = 0;
  }

  // Each warning on its own line with `prefix`, then "N more warnings not shown" if any.
  void print(keel::fmt::Sink& sink, const char* prefix) const;

 private:
  BoundedArray<MapWarning, CAPACITY> list_;
  std::size_t dropped_ = 0;
};

}  // namespace mm::memmap
