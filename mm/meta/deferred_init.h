// Deferred metadata init: writing the units init_meta_region left Pending and handing their
// free frames to the live allocator, on as many CPUs as call in (mm/meta/meta_units.h).
//
//   init_meta_region(map, plan, reservations, {.eager_usable_bytes = 1 GiB});
//   init_frame_allocator(usable);          // takes the eager units' free frames
//   ... other CPUs (idle APs) and this one: run_pending_meta_units();
//   finish_pending_meta_units();           // before anything needs all of RAM
//   meta_units_unfinished() == 0           // (mm/meta/meta_units.h) once all are in
//
// Per unit, the taker alone writes the slots (free frames as TAILs), then publishes the
// unit (release: from_unused/from_in_use and meta_slot_checked acquire it before reading a
// slot, so they see the writes or report SlotUninitialised), then pushes the free runs onto
// the buddy lists under the buddy lock (whose release/acquire carries the slot writes to
// the CPU that pops them). So no frame of a unit is handed out before every slot of the
// unit is written, and the allocator is correct at every moment in between.
//
// Out of memory before all units are in: the allocator reports it (there is no lazy unit
// init on that path); keel finishes every unit after `ready` and before ktest or kbench run.
#pragma once

#include <cstdint>

namespace mm::meta {

struct DeferredInitProgress {
  std::uint64_t units = 0;        // units this caller wrote
  std::uint64_t frames_added = 0; // free frames it gave the allocator
};

// Takes Pending units one at a time until none is left (or `max_units` are done) and
// initialises each. Any number of CPUs may run it at once; requires init_frame_allocator
// to have run.
DeferredInitProgress run_pending_meta_units(std::uint64_t max_units = ~std::uint64_t{0});

// run_pending_meta_units, then waits until the units other CPUs took are in the allocator
// too. Afterwards every unit is Ready and every free frame is in the allocator.
DeferredInitProgress finish_pending_meta_units();

}  // namespace mm::meta
