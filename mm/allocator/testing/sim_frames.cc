#include "mm/allocator/testing/sim_frames.h"

#include <cstdio>
#include <cstdlib>

#include "mm/frame/frame_meta.h"

namespace mm::allocator::testing {

meta::MetaSlot& slot_of(Paddr pa) { return *meta::frame_to_meta(pa); }

void SimFrames::mark_reserved(Paddr pa) {
  meta::MetaSlot& slot = slot_of(pa);
  frame::write_meta(slot, ReservedMeta{});
  slot.block.store(0);
  slot.ref_count.store(1);
}

SimFrames::SimFrames(std::uint64_t phys_end, std::span<const PhysRange> usable,
                     std::span<const Paddr> boot_frames)
    : memory_(phys_end) {
  for (Paddr pa = 0; pa < memory_.phys_end(); pa += PAGE_SIZE) mark_reserved(pa);
  for (const PhysRange& range : usable) {
    for (Paddr pa = align_up(range.start, PAGE_SIZE); pa + PAGE_SIZE <= range.end && pa < phys_end;
         pa += PAGE_SIZE) {
      meta::MetaSlot& slot = slot_of(pa);
      slot.vtable = nullptr;
      slot.ref_count.store(meta::REF_COUNT_UNUSED);
    }
  }
  for (const Paddr pa : boot_frames) mark_reserved(pa);
  auto summary = init_frame_allocator(usable);
  if (!summary) {
    std::fprintf(stderr, "SimFrames: init_frame_allocator failed\n");
    std::abort();
  }
  summary_ = *summary;
}

SimFrames::~SimFrames() {
  // Leave the allocator empty so nothing points into the unmapped simulation.
  (void)init_frame_allocator({});
}

}  // namespace mm::allocator::testing
