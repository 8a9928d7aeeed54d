// BootFrameMeta: the metadata of frames that are in use from boot on and forever —
// reservations, early allocations, and frames the firmware map does not call usable.
//
// Such a slot holds ref_count 1 (a permanently leaked shared handle), vtable
// &BOOT_FRAME_META_VTABLE and a BootFrameMeta in its storage. Nothing ever drops it: the
// vtable's drop hook is a contract violation.
#pragma once

#include <cstddef>
#include <type_traits>

#include "mm/memmap/frame_usage.h"
#include "mm/meta/meta_slot.h"

namespace mm::meta {

struct BootFrameMeta {
  memmap::FrameUsage usage;
};
static_assert(sizeof(BootFrameMeta) <= FRAME_METADATA_MAX_SIZE);
static_assert(alignof(BootFrameMeta) <= FRAME_METADATA_MAX_ALIGN);
static_assert(std::is_trivially_copyable_v<BootFrameMeta>);

extern const FrameMetaVtable BOOT_FRAME_META_VTABLE;

// The BootFrameMeta in `slot`, or nullptr if the slot holds another (or no) metadata type.
const BootFrameMeta* boot_meta_of(const MetaSlot& slot);

}  // namespace mm::meta
