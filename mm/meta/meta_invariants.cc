#include "mm/meta/meta_invariants.h"

#include <algorithm>
#include <cstring>

#include "mm/hal.h"
#include "mm/meta/boot_frame_meta.h"
#include "mm/meta/meta_region.h"
#include "mm/meta/meta_units.h"
#include "lib/fmt/format.h"

namespace mm::meta {
namespace {

using Result = std::expected<void, MetaInvariantViolation>;

std::unexpected<MetaInvariantViolation> violation(Paddr frame, MetaInvariantKind what,
                                                  std::uint64_t observed = 0) {
  return std::unexpected(MetaInvariantViolation{frame, what, observed});
}

bool is_defined_ref_count(std::uint64_t count) {
  return count == REF_COUNT_UNUSED || count == REF_COUNT_UNIQUE || count == REF_COUNT_FREE ||
         count == REF_COUNT_TAIL || count <= REF_COUNT_MAX;
}

Result check_slot(Paddr pa, bool usable) {
  const MetaSlot* slot = frame_to_meta(pa);
  const auto address = reinterpret_cast<std::uintptr_t>(slot);
  if (address % sizeof(MetaSlot) != 0) {
    return violation(pa, MetaInvariantKind::SlotMisaligned, address);
  }
  if (meta_to_frame(slot) != pa) return violation(pa, MetaInvariantKind::SlotMismatch, address);
  const std::uint64_t count = slot->ref_count.load(std::memory_order_relaxed);
  if (!is_defined_ref_count(count)) return violation(pa, MetaInvariantKind::BadRefCount, count);
  // Unused, free and tail frames: no metadata, and only in usable RAM.
  if (count == REF_COUNT_UNUSED || count == REF_COUNT_FREE || count == REF_COUNT_TAIL) {
    if (slot->vtable != nullptr) {
      return violation(pa, MetaInvariantKind::UnusedWithVtable,
                       reinterpret_cast<std::uintptr_t>(slot->vtable));
    }
    if (!usable) return violation(pa, MetaInvariantKind::UnusedNotUsable);
    return {};
  }
  if (slot->vtable == &BOOT_FRAME_META_VTABLE) {
    if (count != 1) return violation(pa, MetaInvariantKind::BootFrameBadRefCount, count);
    std::uint8_t raw_usage = 0;  // read the byte: an invalid enum value must not be loaded
    std::memcpy(&raw_usage, slot->storage, sizeof(raw_usage));
    if (!memmap::is_valid_frame_usage(raw_usage)) {
      return violation(pa, MetaInvariantKind::BootFrameBadUsage, raw_usage);
    }
  }
  return {};
}

}  // namespace

const char* meta_invariant_kind_name(MetaInvariantKind kind) {
  switch (kind) {
    case MetaInvariantKind::NotInitialized: return "NotInitialized";
    case MetaInvariantKind::SlotMisaligned: return "SlotMisaligned";
    case MetaInvariantKind::SlotMismatch: return "SlotMismatch";
    case MetaInvariantKind::BadRefCount: return "BadRefCount";
    case MetaInvariantKind::UnusedWithVtable: return "UnusedWithVtable";
    case MetaInvariantKind::UnusedNotUsable: return "UnusedNotUsable";
    case MetaInvariantKind::UnusedReserved: return "UnusedReserved";
    case MetaInvariantKind::BootFrameBadRefCount: return "BootFrameBadRefCount";
    case MetaInvariantKind::BootFrameBadUsage: return "BootFrameBadUsage";
  }
  return "invalid";
}

namespace {

const char* describe(MetaInvariantKind kind) {
  switch (kind) {
    case MetaInvariantKind::NotInitialized: return "the metadata region is not initialized";
    case MetaInvariantKind::SlotMisaligned: return "slot is not 64-byte aligned";
    case MetaInvariantKind::SlotMismatch: return "slot does not map back to its frame";
    case MetaInvariantKind::BadRefCount: return "reference count is not a defined state";
    case MetaInvariantKind::UnusedWithVtable: return "unused frame has metadata attached";
    case MetaInvariantKind::UnusedNotUsable: return "unused frame is not usable RAM per the map";
    case MetaInvariantKind::UnusedReserved: return "unused frame is covered by a boot reservation";
    case MetaInvariantKind::BootFrameBadRefCount: return "boot frame's reference count is not 1";
    case MetaInvariantKind::BootFrameBadUsage: return "boot frame has an invalid usage";
  }
  return "unknown violation";
}

}  // namespace

void format_value(keel::fmt::Sink& sink, const keel::fmt::Spec&, const MetaInvariantViolation& v) {
  keel::fmt::print(sink, "frame {:#x}: {}: {} (observed {:#x})", v.frame,
             meta_invariant_kind_name(v.what), describe(v.what), v.observed);
}

[[nodiscard]] std::expected<void, MetaInvariantViolation> check_meta_invariants() {
  const MetaRegion& region = meta_region();
  if (!region.initialized) return violation(0, MetaInvariantKind::NotInitialized);
  const memmap::MemoryMap& map = memory_map();
  Result result;
  // Every backed slot of every Ready unit, against the map. Units not Ready are skipped
  // explicitly: their bytes are not metadata yet (callers that want the whole region
  // checked wait for meta_units_unfinished() == 0 first).
  for (std::uint64_t unit = 0; result && unit < meta_unit_count(); ++unit) {
    if (meta_unit_state(unit) != MetaUnitState::Ready) continue;
    const MetaUnitSpan span = meta_unit_span(unit);
    for_each_backed_frame_range(region.plan, [&](std::uint64_t first, std::uint64_t end) {
      const PhysRange part{std::max(first, span.first) * PAGE_SIZE,
                           std::min(end, span.end) * PAGE_SIZE};
      if (!result || part.empty()) return;
      map.for_each_segment(part, [&](PhysRange piece, std::optional<memmap::RegionType> type) {
        const bool usable = type == memmap::RegionType::Usable;
        for (Paddr pa = piece.start; result && pa < piece.end; pa += PAGE_SIZE) {
          result = check_slot(pa, usable);
        }
      });
    });
  }
  if (!result) return result;
  // Reserved usable frames are never unused (non-usable ones were checked above).
  for (const memmap::Reservation& reservation : boot_reservations()) {
    const PhysRange clipped{reservation.range.start,
                            reservation.range.end < region.covered.end ? reservation.range.end
                                                                       : region.covered.end};
    if (clipped.empty()) continue;
    map.for_each_segment(clipped, [&](PhysRange part, std::optional<memmap::RegionType> type) {
      if (type != memmap::RegionType::Usable) return;
      for (Paddr pa = part.start; result && pa < part.end; pa += PAGE_SIZE) {
        if (!slot_is_initialised(pa)) continue;
        if (frame_to_meta(pa)->ref_count.load(std::memory_order_relaxed) == REF_COUNT_UNUSED) {
          result = violation(pa, MetaInvariantKind::UnusedReserved);
        }
      }
    });
    if (!result) return result;
  }
  return {};
}

}  // namespace mm::meta
