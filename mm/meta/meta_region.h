// The frame metadata region after boot: initialization, the global description of it, and
// checked slot lookup.
//
// Boot sequence (kernel; host tests do the same over SimMemory):
//   1. sanitize_memory_map(...)                   → MemoryMap
//   2. reserve image, boot info, modules, cmdline, framebuffer, low memory → ReservationList
//   3. plan_meta_region(map)                      → MetaPlan
//   4. back and map every plan.backed stretch at layout::FRAME_METADATA_BASE + offset with
//      frames from EarlyFrameAllocator(map, reservations) (purpose MetaRegion), page
//      tables likewise (EarlyPageTable)
//   5. init_meta_region(map, plan, layout::FRAME_METADATA_BASE, reservations.list())
// After step 5 memory_map(), meta_region() and boot_reservations() describe the machine,
// and meta_geometry() (mm/meta/meta_geometry.h) is this region's.
// Frames the early allocator hands out after step 5 are not marked: retire it first.
//
// The globals are written once, single-threaded, before other CPUs start; afterwards they
// are read-only, so readers need no lock. The exception is each unit's state
// (mm/meta/meta_units.h): with deferred init, units become Ready one by one after boot.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <span>

#include "lib/fmt/format_fwd.h"
#include "mm/memmap/memory_map.h"
#include "mm/memmap/reservation.h"
#include "mm/meta/meta_plan.h"
#include "mm/meta/meta_slot.h"
#include "mm/types.h"
#include "lib/fmt/format.h"

namespace mm::meta {

struct MetaRegion {
  bool initialized = false;
  PhysRange covered;                  // frames with slots: [0, slot_count × 4 KiB)
  std::uint64_t slot_count = 0;
  std::uint64_t slots_initialized = 0;  // backed slots written by init_meta_region itself
  std::uint64_t slots_backed = 0;       // every backed slot, once all units are Ready
  MetaPlan plan;
};

struct MetaInitStats {
  std::uint64_t slots_initialized = 0;  // every backed slot written, once
  std::uint64_t unused = 0;             // free frames (usable, not reserved)
  std::uint64_t in_use = 0;             // boot frames: reserved, early-allocated, non-usable

  MetaInitStats& operator+=(const MetaInitStats& other) {
    slots_initialized += other.slots_initialized;
    unused += other.unused;
    in_use += other.in_use;
    return *this;
  }
};

struct MetaInitOptions {
  // Write units (mm/meta/meta_units.h) in address order until at least this much usable
  // RAM is written; leave the rest Pending for init_meta_unit_slots. The default writes all.
  std::uint64_t eager_usable_bytes = ~std::uint64_t{0};
};

enum class MetaInitError : std::uint8_t {
  MetaBaseUnset,     // slots_base is 0 or not page aligned
  MapNotSanitized,   // a region is not page aligned, or the map has no usable memory
  PlanMismatch,      // `plan` is not plan_meta_region(map)
  TooManyReservations,  // more than ReservationList::CAPACITY
};
const char* error_name(MetaInitError error);

// Writes every backed slot of frames [0, plan.slot_count): usable frames no reservation
// covers become unused (ref_count REF_COUNT_UNUSED, block 0, vtable nullptr); all others
// become boot frames (ref_count 1, BootFrameMeta) labeled with the reservation's usage
// (usable frames; where reservations overlap, the last in the list wins) or the map's
// type (non-usable frames and holes). Requires every plan.backed stretch to be writable at
// slots_base + offset. Runs at memory bandwidth: one 64-byte pattern store per slot,
// no atomics. Copies map, plan and reservations into the globals below first: deferred
// units are written from those later. Installs the region's geometry (slots_base, the
// plan's covered range, slot_is_backed and slot_is_initialised below) before writing a
// slot; on error nothing changes. With options.eager_usable_bytes, only the first units
// are written (their stats are returned) and made Ready; the others stay Pending.
[[nodiscard]] std::expected<MetaInitStats, MetaInitError> init_meta_region(
    const memmap::MemoryMap& map, const MetaPlan& plan, std::uintptr_t slots_base,
    std::span<const memmap::Reservation> reservations, MetaInitOptions options = {});

// Writes the backed slots of `unit`, which the caller took (take_pending_meta_unit), as
// init_meta_region would, except that free frames become TAILs rather than UNUSED: they
// are the caller's, for the allocator to take as blocks (mm/meta/deferred_init.h), and
// never claimable by from_unused in between. Returns what it wrote. Safe to run on many
// CPUs at once for different units: it reads only the globals written before sharing.
MetaInitStats init_meta_unit_slots(std::uint64_t unit);

const memmap::MemoryMap& memory_map();                      // empty before init_meta_region
const MetaRegion& meta_region();                    // .initialized false before it
std::span<const memmap::Reservation> boot_reservations();   // as passed to init_meta_region

// True iff the region is initialized and `pa`'s frame has a backed slot.
bool slot_is_backed(Paddr pa);
// True iff the unit holding `pa` (< meta_region().covered.end) is Ready: its slots are
// written. Acquire: a caller that sees true sees the writes.
bool slot_is_initialised(Paddr pa);

enum class MetaSlotError : std::uint8_t {
  NotInitialized,  // init_meta_region has not run
  NotAligned,      // pa is not a frame address
  OutOfRange,      // pa ≥ meta_region().covered.end: no slot exists
  InHole,          // the slot lies in an unbacked part of the region (reading it would fault)
  Uninitialised,   // deferred init has not written the slot yet (its unit is not Ready)
};
const char* error_name(MetaSlotError error);

// The slot of frame `pa`, or why there is none. Use this wherever pa is not known to be
// usable RAM; frame_to_meta() does no checks.
[[nodiscard]] std::expected<MetaSlot*, MetaSlotError> meta_slot_checked(Paddr pa);

// Forgets the region (memory_map() empty, meta_region() uninitialized, no geometry
// installed). For host tests whose simulated memory goes away; the kernel never calls it.
void reset_meta_region_for_testing();

// The slot of frame `pa`; a contract violation (panic, naming the reason) if there is none.
MetaSlot& meta_slot(Paddr pa);

}  // namespace mm::meta
