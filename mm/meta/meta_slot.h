// MetaSlot: the 64-byte metadata record of one 4 KiB frame, and the frame ↔ slot mapping.
//
// Reference-count states (the seeds' sentinels):
//   REF_COUNT_UNUSED   the frame is free (owned by the allocator or not handed out yet)
//   0                  busy: being claimed or released; metadata is being written/dropped
//   REF_COUNT_UNIQUE   owned by exactly one UniqueFrame
//   1..REF_COUNT_MAX   shared: handles plus page-table mappings
// Frames the kernel occupies at boot (image, boot info, metadata region, early page tables)
// and firmware-reserved frames are "in use" forever: count 1, BootFrameMeta with a usage.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <new>
#include <type_traits>

#include "mm/hal.h"
#include "mm/layout.h"
#include "mm/types.h"

namespace mm {

inline constexpr std::uint64_t REF_COUNT_UNUSED = ~std::uint64_t{0};
inline constexpr std::uint64_t REF_COUNT_UNIQUE = ~std::uint64_t{0} - 1;
inline constexpr std::uint64_t REF_COUNT_MAX = std::uint64_t{1} << 63;

inline constexpr std::size_t FRAME_METADATA_MAX_SIZE = 40;
inline constexpr std::size_t FRAME_METADATA_MAX_ALIGN = 8;

struct MetaSlot;

// Per-metadata-type operations: identity for checked down-casts, a name for reports, and
// the drop hook run when the last handle goes away.
struct FrameMetaVtable {
  const char* name;
  void (*drop)(MetaSlot& slot);  // destroys the metadata in place (and runs on_drop)
};

struct MetaSlot {
  alignas(FRAME_METADATA_MAX_ALIGN) std::byte storage[FRAME_METADATA_MAX_SIZE];
  std::atomic<std::uint64_t> ref_count;
  std::atomic<std::uint64_t> in_list;  // 0 = in no list, else the owning list's id
  const FrameMetaVtable* vtable;       // valid while the metadata is initialized
};
static_assert(sizeof(MetaSlot) == layout::META_SLOT_SIZE);
static_assert(offsetof(MetaSlot, ref_count) == 40);
static_assert(offsetof(MetaSlot, in_list) == 48);
static_assert(offsetof(MetaSlot, vtable) == 56);
static_assert(std::atomic<std::uint64_t>::is_always_lock_free);

constexpr std::uint64_t frame_to_index(Paddr pa) { return pa / PAGE_SIZE; }

inline MetaSlot* frame_to_meta(Paddr pa) {
  return reinterpret_cast<MetaSlot*>(hal::g_meta_base + frame_to_index(pa) * sizeof(MetaSlot));
}
inline Paddr meta_to_frame(const MetaSlot* slot) {
  return (reinterpret_cast<std::uintptr_t>(slot) - hal::g_meta_base) / sizeof(MetaSlot) * PAGE_SIZE;
}

}  // namespace mm
