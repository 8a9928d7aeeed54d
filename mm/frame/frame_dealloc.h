// The hook through which frame handles give frames back when their last owner goes away.
//
// Declared here, defined by mm/allocator (link :allocator with :frame). Keeping it a plain
// function keeps the handle layer free of allocator types and the call direct.
#pragma once

#include <cstdint>

#include "mm/types.h"

namespace mm {

// Takes back [pa, pa + nframes * PAGE_SIZE). Every slot in the run must already be UNUSED
// (metadata dropped) and on no list; anything else is a kernel bug (double free, freeing a
// reserved or still-referenced frame) and panics with the frame's address.
void return_frames_to_allocator(Paddr pa, std::uint64_t nframes);

}  // namespace mm
