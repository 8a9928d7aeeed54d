#include "mm/memmap/map_warnings.h"

#include "mm/memmap/firmware_types.h"
#include "lib/fmt/format.h"

namespace mm::memmap {
namespace {

void print_range(keel::fmt::Sink& sink, PhysRange range) {
  keel::fmt::print(sink, "[{:#x}, {:#x})", range.start, range.end);
}

// The end of a range that passes 2^64 cannot be held in 64 bits: print it as 2^64 plus the
// part past the top, or say that the firmware's length itself did not fit.
void print_past_top(keel::fmt::Sink& sink, const MapWarning& w) {
  if (w.length_saturated) {
    keel::fmt::print(sink, "[{:#x}, past 2^64): length does not fit 64 bits", w.original.start);
  } else {
    keel::fmt::print(sink, "[{:#x}, 2^64 + {:#x}): runs past 2^64", w.original.start, w.original.end);
  }
  if (w.type == RegionType::Usable) {
    sink.write("; usable RAM with a broken length is not trusted, ignored");
  } else if (w.adjusted.empty()) {
    keel::fmt::print(sink, "; starts above the physical address limit {:#x}, ignored", w.limit);
  } else {
    sink.write("; kept up to the physical address limit as ");
    print_range(sink, w.adjusted);
  }
}

}  // namespace

const char* map_warning_kind_name(MapWarningKind kind) {
  switch (kind) {
    case MapWarningKind::ZeroLength: return "ZeroLength";
    case MapWarningKind::AbovePhysLimit: return "AbovePhysLimit";
    case MapWarningKind::TrimmedToPhysLimit: return "TrimmedToPhysLimit";
    case MapWarningKind::UsableNotAligned: return "UsableNotAligned";
    case MapWarningKind::UsableBelowPage: return "UsableBelowPage";
    case MapWarningKind::UnknownType: return "UnknownType";
    case MapWarningKind::Overlap: return "Overlap";
    case MapWarningKind::RunsPast2To64: return "RunsPast2To64";
  }
  return "invalid";
}

void format_value(keel::fmt::Sink& sink, const keel::fmt::Spec&, const MapWarning& w) {
  if (w.kind == MapWarningKind::Overlap) {
    sink.write("overlapping entries over ");
    print_range(sink, w.original);
    keel::fmt::print(sink, ": kept the most restrictive type, {}", w.type);
    return;
  }
  keel::fmt::print(sink, "entry {} {} ", w.entry_index, w.type);
  if (w.kind == MapWarningKind::RunsPast2To64) {
    print_past_top(sink, w);
    return;
  }
  print_range(sink, w.original);
  switch (w.kind) {
    case MapWarningKind::ZeroLength:
      sink.write(": zero length, ignored");
      break;
    case MapWarningKind::AbovePhysLimit:
      keel::fmt::print(sink, ": above the physical address limit {:#x}, ignored", w.limit);
      break;
    case MapWarningKind::TrimmedToPhysLimit:
      keel::fmt::print(sink, ": crosses the physical address limit {:#x}, trimmed to ", w.limit);
      print_range(sink, w.adjusted);
      break;
    case MapWarningKind::UsableNotAligned:
      sink.write(": not page aligned, trimmed to ");
      print_range(sink, w.adjusted);
      break;
    case MapWarningKind::UsableBelowPage:
      sink.write(": holds no whole page, ignored");
      break;
    case MapWarningKind::UnknownType:
      keel::fmt::print(sink, ": unknown {} type {}, treated as reserved",
                 w.firmware_kind == FirmwareMapKind::Efi ? "EFI" : "e820", w.firmware_type);
      break;
    case MapWarningKind::Overlap:
    case MapWarningKind::RunsPast2To64:
      break;
  }
}

void MapWarnings::print(keel::fmt::Sink& sink, const char* prefix) const {
  for (const MapWarning& warning : list_) keel::fmt::print(sink, "{}{}\n", prefix, warning);
  if (dropped_ != 0) keel::fmt::print(sink, "{}{} more warnings not shown\n", prefix, dropped_);
}

}  // namespace mm::memmap
