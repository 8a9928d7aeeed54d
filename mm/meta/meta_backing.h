// Physical backing for the metadata region's planned stretches, from any usable RAM.
//
// Each stretch of MetaPlan::backed is given physically contiguous pieces of at most
// META_PIECE_MAX bytes, each 2 MiB aligned (one large page per META_CHUNK_SIZE). A piece that
// finds no free run of its length is halved, down to one chunk, so a fragmented map costs
// more pieces, never a failure while any 2 MiB-aligned chunk is free. Frames come from
// sources.high (above 4 GiB) while it has any 2 MiB-aligned chunk, then sources.low: a big
// box's metadata (1/64 of its RAM) does not use up the RAM below 4 GiB that 32-bit DMA and
// the early page tables need.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <span>

#include "mm/memmap/early_frame_allocator.h"
#include "mm/meta/meta_plan.h"
#include "mm/types.h"

namespace mm::meta {

inline constexpr std::uint64_t META_PIECE_MAX = std::uint64_t{1} << 30;

// Frames for early use, tried in order: `high` (RAM above 4 GiB, once the linear map reaches
// it; may be null), then `low` (the boot linear map's reach). Both record into the same
// ReservationList, so they never hand out one frame twice.
struct EarlyFrameSources {
  memmap::EarlyFrameAllocator* high = nullptr;
  memmap::EarlyFrameAllocator* low = nullptr;

  [[nodiscard]] std::expected<Paddr, memmap::EarlyAllocError> allocate(std::uint64_t frames, memmap::FrameUsage purpose,
                                                 std::uint64_t align = PAGE_SIZE);
};

// [offset, offset + backing.size()) of the region lives in physical `backing`.
struct MetaBackingPiece {
  std::uint64_t offset = 0;
  PhysRange backing;
  friend constexpr bool operator==(const MetaBackingPiece&, const MetaBackingPiece&) = default;
};

// Why the backing could not be chosen, with the numbers for the panic message.
struct MetaBackingFailure {
  enum class Kind : std::uint8_t {
    OutOfMemory,   // no free 2 MiB-aligned chunk left (`error` says which way it failed)
    TooManyPieces, // free RAM so fragmented that `out` cannot hold the pieces
  } kind{};
  memmap::EarlyAllocError error{};
  std::uint64_t backed_bytes = 0;  // chosen before the failure
  std::uint64_t needed_bytes = 0;  // plan.backed_bytes
  std::uint64_t pieces = 0;        // out.size()
};

// Allocates (MetaRegion purpose) and returns in `out`, sorted by offset, pieces covering
// exactly plan.backed; contiguous pieces (in the region and physically) are merged. Returns
// how many. On failure the frames already taken stay recorded as MetaRegion (boot is over
// then: the caller panics).
[[nodiscard]] std::expected<std::size_t, MetaBackingFailure> choose_meta_backing(
    const MetaPlan& plan, EarlyFrameSources& sources, std::span<MetaBackingPiece> out);

}  // namespace mm::meta
