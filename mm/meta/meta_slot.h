// MetaSlot: the 64-byte metadata record of one 4 KiB frame, and the frame ↔ slot mapping.
//
// Every frame has exactly one owner, and its slot says which (mm/frame/slot_ops.h holds the
// transitions between these states and who may make each):
//   REF_COUNT_FREE     the head of a free block: the allocator owns the block (on a buddy
//                      list, in a per-CPU cache, or between the two); `block` says where
//   REF_COUNT_TAIL     not the head of a block: owned by whoever owns the block whose head
//                      covers it (a free block, or a live 2 MiB / 1 GiB frame)
//   REF_COUNT_UNUSED   handed out raw by the allocator, or not yet adopted by it at boot:
//                      claimable by from_unused (Asterinas OSTD's UNUSED)
//   0                  busy: its owner is writing or dropping the metadata
//   REF_COUNT_UNIQUE   a live frame owned by exactly one UniqueFrame
//   1..REF_COUNT_MAX   a live frame shared by handles plus page-table mappings
// Frames the kernel occupies at boot (image, boot info, metadata region, early page tables)
// and firmware-reserved frames are live forever: count 1, BootFrameMeta with a usage.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <new>
#include <type_traits>

#include "mm/layout.h"
#include "mm/meta/meta_geometry.h"
#include "mm/types.h"

namespace mm::meta {

inline constexpr std::uint64_t REF_COUNT_UNUSED = ~std::uint64_t{0};
inline constexpr std::uint64_t REF_COUNT_UNIQUE = ~std::uint64_t{0} - 1;
inline constexpr std::uint64_t REF_COUNT_FREE = ~std::uint64_t{0} - 2;
inline constexpr std::uint64_t REF_COUNT_TAIL = ~std::uint64_t{0} - 3;
inline constexpr std::uint64_t REF_COUNT_MAX = std::uint64_t{1} << 63;

// Frames are 4 KiB, 2 MiB or 1 GiB (paging levels 1..3): blocks of 2^0, 2^9 or 2^18 4 KiB
// frames. A free block may have any order up to MAX_BLOCK_ORDER.
inline constexpr PagingLevel MAX_FRAME_LEVEL = 3;
inline constexpr unsigned MAX_BLOCK_ORDER = 18;

inline constexpr std::size_t FRAME_METADATA_MAX_SIZE = 40;
inline constexpr std::size_t FRAME_METADATA_MAX_ALIGN = 8;

struct MetaSlot;

// Per-metadata-type operations: identity for checked down-casts, a name for reports, and
// the drop hook run when the last handle goes away.
struct FrameMetaVtable {
  const char* name;
  bool untyped;  // AnyUFrameMeta: raw bytes readable, mappable tracked
  void (*drop)(MetaSlot& slot);  // destroys the metadata in place (and runs on_drop)
};

struct MetaSlot {
  alignas(FRAME_METADATA_MAX_ALIGN) std::byte storage[FRAME_METADATA_MAX_SIZE];
  std::atomic<std::uint64_t> ref_count;
  // A live frame's head: its order (0, 9 or 18: 4 KiB, 2 MiB, 1 GiB). A free block's head:
  // its order and where it is (mm/frame/slot_ops.h, FreeWhere). Otherwise 0.
  std::atomic<std::uint64_t> block;
  const FrameMetaVtable* vtable;       // valid while the metadata is initialized
};
static_assert(sizeof(MetaSlot) == layout::META_SLOT_SIZE);
static_assert(offsetof(MetaSlot, ref_count) == 40);
static_assert(offsetof(MetaSlot, block) == 48);
static_assert(offsetof(MetaSlot, vtable) == 56);
static_assert(std::atomic<std::uint64_t>::is_always_lock_free);

constexpr std::uint64_t frame_to_index(Paddr pa) { return pa / PAGE_SIZE; }

// No bounds check: callers know `pa` has a slot (has_slot, or meta_slot_checked in mm/meta).
inline MetaSlot* frame_to_meta(Paddr pa) {
  return reinterpret_cast<MetaSlot*>(meta_geometry().slots_base +
                                     frame_to_index(pa) * sizeof(MetaSlot));
}
inline Paddr meta_to_frame(const MetaSlot* slot) {
  return (reinterpret_cast<std::uintptr_t>(slot) - meta_geometry().slots_base) /
         sizeof(MetaSlot) * PAGE_SIZE;
}

}  // namespace mm::meta
