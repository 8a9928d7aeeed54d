#include "mm/meta/boot_frame_meta.h"

#include <new>

#include "lib/contract/contract.h"

namespace mm::meta {
namespace {

[[noreturn]] void drop_boot_frame_meta(MetaSlot&) {
  keel::contract::violation("assertion", "boot frames are never released",
                           "a BootFrameMeta slot reached its drop hook",
                           std::source_location::current());
}

}  // namespace

constinit const FrameMetaVtable BOOT_FRAME_META_VTABLE{
    .name = "BootFrameMeta",
    .untyped = false,
    .drop = &drop_boot_frame_meta,
};

const BootFrameMeta* boot_meta_of(const MetaSlot& slot) {
  if (slot.vtable != &BOOT_FRAME_META_VTABLE) return nullptr;
  return std::launder(reinterpret_cast<const BootFrameMeta*>(slot.storage));
}

}  // namespace mm::meta
