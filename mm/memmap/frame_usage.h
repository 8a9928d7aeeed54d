// FrameUsage: why a frame is in use from boot on (reservations, early allocations, and
// what the firmware map says about non-usable frames). Stored in BootFrameMeta.
#pragma once

#include <cstdint>
#include <string_view>

#include "lib/fmt/format_fwd.h"
#include "mm/memmap/region_type.h"

namespace mm::memmap {

enum class FrameUsage : std::uint8_t {
  // Claimed by keel or its loader (reservations).
  KernelImage,
  BootInfo,
  Module,
  Cmdline,
  Framebuffer,
  LowMemory,  // [0, 1 MiB), see reservation.h
  // Handed out by the EarlyFrameAllocator.
  EarlyPageTable,
  MetaRegion,
  EarlyAlloc,
  // Not RAM keel may use, per the firmware map (or not in it at all).
  FirmwareReserved,
  AcpiReclaimable,
  AcpiNvs,
  Unusable,
  Persistent,
  Hole,  // between map entries: the firmware described nothing there
};
inline constexpr unsigned FRAME_USAGE_COUNT = 15;

std::string_view frame_usage_name(FrameUsage usage);
constexpr bool is_valid_frame_usage(std::uint8_t raw) { return raw < FRAME_USAGE_COUNT; }

// The usage recorded for frames of a non-usable map type. Requires type != Usable.
FrameUsage frame_usage_for(RegionType type);

void format_value(keel::fmt::Sink& sink, const keel::fmt::Spec& spec, FrameUsage usage);

}  // namespace mm::memmap
