// check_meta_invariants: a full walk of the metadata region that reports the first slot
// breaking a rule. For tests and the `mm.check` boot key; O(backed slots + reserved frames).
//
// Rules, for every backed slot of frames [0, slot_count) whose unit is Ready (units that
// deferred init has not written yet are skipped; see mm/meta/meta_units.h):
//   - the slot's address is 64-byte aligned and maps back to its frame;
//   - ref_count is one of the states of mm/meta/meta_slot.h: UNUSED, FREE, TAIL, UNIQUE or
//     in [0, REF_COUNT_MAX];
//   - an unused, free or tail frame has no vtable, is usable per the map, and is in no
//     boot reservation;
//   - a boot frame (vtable &BOOT_FRAME_META_VTABLE) has ref_count 1 and a valid FrameUsage.
#pragma once

#include <cstdint>
#include <expected>

#include "lib/fmt/format_fwd.h"
#include "mm/types.h"

namespace mm::meta {

enum class MetaInvariantKind : std::uint8_t {
  NotInitialized,       // init_meta_region has not run
  SlotMisaligned,       // slot address not 64-byte aligned (observed: the address)
  SlotMismatch,         // meta_to_frame(frame_to_meta(pa)) != pa (observed: the address)
  BadRefCount,          // not a defined state (observed: ref_count)
  UnusedWithVtable,     // unused but metadata attached (observed: the vtable pointer)
  UnusedNotUsable,      // unused but the map says the frame is not usable RAM
  UnusedReserved,       // unused but a boot reservation covers it
  BootFrameBadRefCount, // a BootFrameMeta slot whose count is not 1 (observed: ref_count)
  BootFrameBadUsage,    // a BootFrameMeta with an out-of-range usage (observed: the byte)
};
const char* meta_invariant_kind_name(MetaInvariantKind kind);

struct MetaInvariantViolation {
  Paddr frame = 0;
  MetaInvariantKind what;
  std::uint64_t observed = 0;
};
// "frame 0x1234000: UnusedWithVtable: unused frame has metadata attached (observed 0x...)"
void format_value(keel::fmt::Sink& sink, const keel::fmt::Spec& spec, const MetaInvariantViolation& v);

[[nodiscard]] std::expected<void, MetaInvariantViolation> check_meta_invariants();

}  // namespace mm::meta
