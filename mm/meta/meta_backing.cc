#include "mm/meta/meta_backing.h"

#include <algorithm>

namespace mm {

std::expected<Paddr, EarlyAllocError> EarlyFrameSources::allocate(std::uint64_t frames,
                                                                  FrameUsage purpose,
                                                                  std::uint64_t align) {
  if (high != nullptr) {
    if (auto frame = high->allocate(frames, purpose, align); frame) return frame;
  }
  if (low == nullptr) return std::unexpected(EarlyAllocError::OutOfMemory);
  return low->allocate(frames, purpose, align);
}

std::expected<std::size_t, MetaBackingFailure> choose_meta_backing(
    const MetaPlan& plan, EarlyFrameSources& sources, std::span<MetaBackingPiece> out) {
  std::size_t count = 0;
  std::uint64_t backed = 0;
  auto failure = [&](MetaBackingFailure::Kind kind, EarlyAllocError error) {
    return std::unexpected(MetaBackingFailure{kind, error, backed, plan.backed_bytes, out.size()});
  };
  for (const MetaChunkRange& stretch : plan.backed) {
    std::uint64_t offset = stretch.offset;
    const std::uint64_t end = stretch.offset + stretch.length;
    std::uint64_t piece = kMetaPieceMax;
    while (offset < end) {
      const std::uint64_t length = std::min(piece, end - offset);
      const auto backing =
          sources.allocate(length / PAGE_SIZE, FrameUsage::MetaRegion, META_CHUNK_SIZE);
      if (!backing) {
        if (length > META_CHUNK_SIZE) {
          piece = std::max(META_CHUNK_SIZE, align_down(length / 2, META_CHUNK_SIZE));
          continue;
        }
        return failure(MetaBackingFailure::Kind::OutOfMemory, backing.error());
      }
      const MetaBackingPiece next{offset, {*backing, *backing + length}};
      if (count != 0 && out[count - 1].offset + out[count - 1].backing.size() == offset &&
          out[count - 1].backing.end == next.backing.start) {
        out[count - 1].backing.end = next.backing.end;
      } else if (count == out.size()) {
        return failure(MetaBackingFailure::Kind::TooManyPieces, EarlyAllocError::OutOfMemory);
      } else {
        out[count++] = next;
      }
      offset += length;
      backed += length;
    }
  }
  return count;
}

}  // namespace mm
