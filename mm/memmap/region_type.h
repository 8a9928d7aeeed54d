// RegionType: what keel makes of a physical range after sanitizing the firmware's map.
#pragma once

#include <cstdint>
#include <string_view>

#include "lib/fmt/format_fwd.h"

namespace mm::memmap {

// Enumerators are ordered by restrictiveness: where firmware entries overlap, the larger
// value wins (see sanitize.h). The order, and why:
//   Usable < AcpiReclaimable   tables must survive until parsed; keel never reclaims them
//          < Persistent        NVDIMM contents belong to the user, never to the allocator
//          < Reserved          firmware/MMIO claims beat any description of contents
//          < AcpiNvs           firmware keeps state there across sleep; touching it breaks S3
//          < Unusable          the firmware found errors: the strongest "never use"
enum class RegionType : std::uint8_t {
  Usable = 0,
  AcpiReclaimable = 1,
  Persistent = 2,
  Reserved = 3,
  AcpiNvs = 4,
  Unusable = 5,
};
inline constexpr unsigned REGION_TYPE_COUNT = 6;

constexpr bool is_more_restrictive(RegionType a, RegionType b) {
  return static_cast<std::uint8_t>(a) > static_cast<std::uint8_t>(b);
}

// Short stable names, also the CLI's JSON vocabulary: "usable", "acpi", "persistent",
// "reserved", "nvs", "unusable".
std::string_view region_type_name(RegionType type);

void format_value(keel::fmt::Sink& sink, const keel::fmt::Spec& spec, RegionType type);

}  // namespace mm::memmap
