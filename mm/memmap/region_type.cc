#include "mm/memmap/region_type.h"

#include "lib/fmt/format.h"

namespace mm::memmap {

std::string_view region_type_name(RegionType type) {
  switch (type) {
    case RegionType::Usable: return "usable";
    case RegionType::AcpiReclaimable: return "acpi";
    case RegionType::Persistent: return "persistent";
    case RegionType::Reserved: return "reserved";
    case RegionType::AcpiNvs: return "nvs";
    case RegionType::Unusable: return "unusable";
  }
  return "invalid";
}

void format_value(keel::fmt::Sink& sink, const keel::fmt::Spec& spec, RegionType type) {
  keel::fmt::write_padded(sink, spec, region_type_name(type), false);
}

}  // namespace mm::memmap
