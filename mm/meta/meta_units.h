// Deferred metadata init: the region is cut into units by frame range, and only the first
// units are written at boot; the others are written later, by whichever CPU takes them, and
// join the allocator as each finishes (as Linux's deferred struct-page init).
//
// A unit is a run of META_UNIT_MIN_FRAMES × 2^k frames (≥ 1 GiB) aligned to its size, so
// its boundaries are max-order block boundaries: no buddy block, and no merge of two
// buddies, ever spans two units, and the allocator never reads a slot of a unit that has
// not joined it.
//
// Each unit moves Pending → Initialising (one CPU took it: it alone touches the slots) →
// Ready (its slots are written; published with a release store that slot lookups acquire).
// Slots of a unit that is not Ready mean nothing and are never read: lookups report
// SlotUninitialised, walkers skip the unit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

#include "mm/meta/meta_slot.h"
#include "mm/types.h"

namespace mm::meta {

inline constexpr std::uint64_t META_UNIT_MIN_FRAMES = std::uint64_t{1} << MAX_BLOCK_ORDER;
// 16 KiB of state: 1 GiB units up to 16 TiB of address space, larger units beyond.
inline constexpr std::size_t MAX_META_UNITS = 16384;

enum class MetaUnitState : std::uint8_t { Pending, Initialising, Ready };

// Frames [first, end) of one unit, clipped to the region.
struct MetaUnitSpan {
  std::uint64_t first = 0;
  std::uint64_t end = 0;
};

// Sizes the units for a region of `slot_count` slots and sets every unit Pending. Single-
// threaded (init_meta_region calls it before any other CPU may look).
void reset_meta_units(std::uint64_t slot_count);

std::uint64_t meta_unit_count();
std::uint64_t meta_unit_frames();  // frames per unit (a power of two ≥ META_UNIT_MIN_FRAMES)
MetaUnitSpan meta_unit_span(std::uint64_t unit);
std::uint64_t meta_unit_of(Paddr pa);

MetaUnitState meta_unit_state(std::uint64_t unit);  // acquire
// Ready without a taker: init_meta_region's units, written single-threaded before sharing.
void mark_meta_unit_ready(std::uint64_t unit);

// The next Pending unit, now Initialising and owned by the caller, or nullopt if every unit
// has been taken. Any number of CPUs may call it at once; each unit goes to exactly one.
std::optional<std::uint64_t> take_pending_meta_unit();
// Initialising → Ready: every slot of the unit is written. Release: whoever acquires Ready
// (slot_is_initialised) sees the slot writes.
void publish_meta_unit(std::uint64_t unit);

// Ready → done: the taker has finished everything it does with the unit (deferred init:
// its free frames are in the allocator). Release, paired with meta_units_unfinished.
void finish_meta_unit(std::uint64_t unit);

// Units not done yet. Acquire: at 0, every unit's slot writes and whatever its taker did
// before finish_meta_unit are visible to the caller.
std::uint64_t meta_units_unfinished();

}  // namespace mm::meta
