// The hooks through which frame handles give frames back when their last owner goes away.
//
// Declared here, defined by mm/allocator (link :allocator with :frame). Keeping them plain
// functions keeps the handle layer free of allocator types and the calls direct.
#pragma once

#include <cstdint>

#include "mm/types.h"

namespace mm::meta {
struct MetaSlot;
}  // namespace mm::meta

namespace mm::frame {

// Takes back the block of 2^order frames headed by `head`, which the caller holds busy
// (count 0, metadata dropped); its other frames are TAILs. A frame that did not come from
// the allocator's RAM (a boot or firmware-reserved frame: its word lacks
// slot::RETURNS_TO_ALLOCATOR) is a kernel bug: panic with the address.
void return_block_to_allocator(meta::MetaSlot& head, unsigned order);

// Takes back [pa, pa + nframes * PAGE_SIZE): 4 KiB frames the caller holds busy (count 0,
// metadata dropped), e.g. the frames of a Segment whose last references went together.
void return_busy_frames_to_allocator(Paddr pa, std::uint64_t nframes);

}  // namespace mm::frame
