// The metadata planner: which parts of the frame metadata region need physical backing.
//
// Slots exist for frames [0, max usable end) — sized by the highest usable RAM, not the
// highest map entry (firmware puts reserved MMIO ranges at 1 TiB and beyond). The region
// is backed in META_CHUNK_SIZE (2 MiB, one large page) chunks; a chunk is backed iff some
// usable frame's slot lies in it. So a hole of ≥ 128 MiB of physical address space that
// holds no usable RAM (the PCI hole below 4 GiB, gaps between NUMA nodes) costs nothing.
// Slots of non-usable frames that share a chunk with usable ones are backed too (they are
// initialized as in use); any other slot must not be touched (meta_slot_checked).
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>

#include "mm/memmap/bounded_array.h"
#include "mm/memmap/memory_map.h"
#include "mm/meta/meta_geometry.h"
#include "mm/meta/meta_slot.h"
#include "mm/types.h"
#include "lib/fmt/format.h"

namespace mm::meta {

// META_CHUNK_SIZE, the backing granule, is meta_geometry.h's: lookups rely on it too.
// Physical bytes whose slots fill one chunk: 32768 frames = 128 MiB.
inline constexpr std::uint64_t META_CHUNK_PHYS_SPAN = BACKED_RUN_FRAMES * PAGE_SIZE;

// A backed stretch of the metadata region: [offset, offset + length) from its base
// (MetaGeometry::slots_base; layout::FRAME_METADATA_BASE in the kernel). Both are
// multiples of META_CHUNK_SIZE.
struct MetaChunkRange {
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
  friend constexpr bool operator==(const MetaChunkRange&, const MetaChunkRange&) = default;
};

struct MetaPlan {
  // Backed stretches, sorted and disjoint, never adjacent (adjacent ones merge). When more
  // than MAX_BACKED_RANGES would be needed, the last one is extended instead: more backing
  // than necessary, never less.
  static constexpr std::size_t MAX_BACKED_RANGES = 64;

  std::uint64_t slot_count = 0;    // frames [0, slot_count) have slots
  std::uint64_t region_bytes = 0;  // slot_count × 64 rounded up to META_CHUNK_SIZE
  std::uint64_t backed_bytes = 0;  // sum of backed lengths
  std::uint64_t saved_bytes = 0;   // region_bytes - backed_bytes: saved by sparse backing
  memmap::BoundedArray<MetaChunkRange, MAX_BACKED_RANGES> backed;

  // Physical addresses whose frames have slots: [0, slot_count × 4 KiB).
  PhysRange covered() const { return {0, slot_count * PAGE_SIZE}; }
  // True iff `pa`'s frame has a slot and that slot lies in a backed stretch. O(log n).
  bool slot_is_backed(Paddr pa) const;
  // Frames whose slots are backed (slots of frames ≥ slot_count in the last chunk excluded).
  std::uint64_t backed_slot_count() const;
};

enum class MetaPlanError : std::uint8_t {
  NoUsableMemory,  // the map has no usable range (sanitize_memory_map rejects such maps)
};
const char* error_name(MetaPlanError error);

[[nodiscard]] std::expected<MetaPlan, MetaPlanError> plan_meta_region(const memmap::MemoryMap& map);

// Calls fn(std::uint64_t first_frame, std::uint64_t end_frame) for the frame indexes whose
// slots are backed, stretch by stretch, clipped to slot_count.
template <typename Fn>
void for_each_backed_frame_range(const MetaPlan& plan, Fn&& fn) {
  for (const MetaChunkRange& chunk : plan.backed) {
    const std::uint64_t first = chunk.offset / sizeof(MetaSlot);
    std::uint64_t end = (chunk.offset + chunk.length) / sizeof(MetaSlot);
    if (end > plan.slot_count) end = plan.slot_count;
    if (first < end) fn(first, end);
  }
}

}  // namespace mm::meta
