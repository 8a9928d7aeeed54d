#include "mm/meta/meta_backing.h"

#include <algorithm>

namespace mm::meta {

[[nodiscard]] std::expected<Paddr, memmap::EarlyAllocError> EarlyFrameSources::allocate(std::uint64_t frames,
                                                                  memmap::FrameUsage purpose,
                                                                  std::uint64_t align) {
  if (high != nullptr) {
    if (auto frame = high->allocate(frames, purpose, align); frame) return frame;
  }
  if (low == nullptr) return std::unexpected(memmap::EarlyAllocError::OutOfMemory);
  return low->allocate(frames, purpose, align);
}

namespace {

// The longest 2 MiB-aligned run of at most `length` bytes `from` can give, halving the
// request down to one chunk: a piece that does not fit becomes more, smaller pieces.
[[nodiscard]] std::expected<PhysRange, memmap::EarlyAllocError> allocate_piece(memmap::EarlyFrameAllocator* from,
                                                         std::uint64_t length) {
  if (from == nullptr) return std::unexpected(memmap::EarlyAllocError::OutOfMemory);
  for (;;) {
    const auto backing = from->allocate(length / PAGE_SIZE, memmap::FrameUsage::MetaRegion, META_CHUNK_SIZE);
    if (backing) return PhysRange{*backing, *backing + length};
    if (length <= META_CHUNK_SIZE) return std::unexpected(backing.error());
    length = std::max(META_CHUNK_SIZE, align_down(length / 2, META_CHUNK_SIZE));
  }
}

}  // namespace

[[nodiscard]] std::expected<std::size_t, MetaBackingFailure> choose_meta_backing(
    const MetaPlan& plan, EarlyFrameSources& sources, std::span<MetaBackingPiece> out) {
  std::size_t count = 0;
  std::uint64_t backed = 0;
  auto failure = [&](MetaBackingFailure::Kind kind, memmap::EarlyAllocError error) {
    return std::unexpected(MetaBackingFailure{kind, error, backed, plan.backed_bytes, out.size()});
  };
  for (const MetaChunkRange& stretch : plan.backed) {
    std::uint64_t offset = stretch.offset;
    const std::uint64_t end = stretch.offset + stretch.length;
    while (offset < end) {
      const std::uint64_t length = std::min(META_PIECE_MAX, end - offset);
      // RAM below 4 GiB only once nothing above is left, even in smaller pieces.
      auto backing = allocate_piece(sources.high, length);
      if (!backing) backing = allocate_piece(sources.low, length);
      if (!backing) return failure(MetaBackingFailure::Kind::OutOfMemory, backing.error());
      const MetaBackingPiece next{offset, *backing};
      if (count != 0 && out[count - 1].offset + out[count - 1].backing.size() == offset &&
          out[count - 1].backing.end == next.backing.start) {
        out[count - 1].backing.end = next.backing.end;
      } else if (count == out.size()) {
        return failure(MetaBackingFailure::Kind::TooManyPieces, memmap::EarlyAllocError::OutOfMemory);
      } else {
        out[count++] = next;
      }
      offset += backing->size();
      backed += backing->size();
    }
  }
  return count;
}

}  // namespace mm::meta
