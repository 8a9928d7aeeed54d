// Metadata backing from any usable RAM: a 12 TiB two-socket map plans and backs in full
// above 4 GiB, every piece in free usable RAM, pieces covering exactly the planned stretches.
#include "mm/meta/meta_backing.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <expected>
#include <memory>
#include <vector>

#include "mm/memmap/sanitize.h"

namespace mm::meta {
namespace {

constexpr std::uint64_t MiB = 1ull << 20;
constexpr std::uint64_t GiB = 1ull << 30;
constexpr std::uint64_t TiB = 1ull << 40;

memmap::FirmwareRegion e820(std::uint64_t base, std::uint64_t length, std::uint32_t type) {
  return {base, length, type, memmap::FirmwareMapKind::E820};
}

// A two-socket Superdome-class box as its e820 reads: low RAM up to ~1.7 GiB, ACPI and
// firmware below the 32-bit PCI window, socket 0 from 4 GiB to 6 TiB (with a 16 MiB
// firmware carve-out at 128 GiB), a per-socket firmware range at 6 TiB, a 2 TiB gap,
// socket 1 from 8 TiB to 14 TiB, and 64-bit PCI MMIO at 16 TiB. ~12 TiB usable.
const memmap::FirmwareRegion MAP_12TIB[] = {
    e820(0x0, 0x9f000, 1),
    e820(0x9f000, 0x1000, 2),
    e820(0xe0000, 0x20000, 2),
    e820(0x100000, 0x6d8f0000, 1),
    e820(0x6d9f0000, 0x1000000, 2),
    e820(0x6e9f0000, 0x800000, 3),
    e820(0x6f1f0000, 0x800000, 4),
    e820(0x80000000, 0x10000000, 2),
    e820(0xfe000000, 0x2000000, 2),
    e820(4 * GiB, 128 * GiB - 4 * GiB, 1),
    e820(128 * GiB, 16 * MiB, 2),
    e820(128 * GiB + 16 * MiB, 6 * TiB - 128 * GiB - 16 * MiB, 1),
    e820(6 * TiB, 64 * MiB, 2),
    e820(8 * TiB, 6 * TiB, 1),
    e820(16 * TiB, GiB, 2),
};

struct World {
  std::unique_ptr<memmap::MemoryMap> map = std::make_unique<memmap::MemoryMap>();
  memmap::ReservationList reservations;
  MetaPlan plan;

  explicit World(std::span<const memmap::FirmwareRegion> entries) {
    memmap::MapWarnings warnings;
    EXPECT_TRUE(memmap::sanitize_memory_map(entries, {.phys_addr_bits = 46}, *map, warnings).has_value());
    // What the kernel reserves before backing the metadata: low memory, image, boot info.
    EXPECT_TRUE(memmap::reserve_low_memory(reservations).has_value());
    EXPECT_TRUE(reservations.add(16 * MiB, 3 * MiB, memmap::FrameUsage::KernelImage).has_value());
    EXPECT_TRUE(reservations.add(0x6000000, 0x3000, memmap::FrameUsage::BootInfo).has_value());
    plan = *plan_meta_region(*map);
  }

  bool inside_usable(PhysRange r) const {
    return std::ranges::any_of(map->regions(), [&](const memmap::MemoryRegion& region) {
      return region.type == memmap::RegionType::Usable && region.range.start <= r.start &&
             r.end <= region.range.end;
    });
  }
};

// choose_meta_backing over a world as the kernel calls it: from free usable RAM in
// [4 GiB, high_end) first (no such source when high_end is 0), then below 4 GiB, with room
// for `max_pieces` pieces.
struct Backing {
  Backing(World& world, std::uint64_t high_end, std::size_t max_pieces)
      : low(*world.map, world.reservations, {memmap::LOW_MEMORY_END, 4 * GiB}),
        high(*world.map, world.reservations, {4 * GiB, std::max(high_end, 4 * GiB)}),
        sources{.high = high_end != 0 ? &high : nullptr, .low = &low},
        pieces(max_pieces),
        count(choose_meta_backing(world.plan, sources, pieces)) {}

  memmap::EarlyFrameAllocator low;
  memmap::EarlyFrameAllocator high;
  EarlyFrameSources sources;
  std::vector<MetaBackingPiece> pieces;
  std::expected<std::size_t, MetaBackingFailure> count;  // of `pieces` used
};

TEST(MetaBacking, TwelveTiBPlanIsSparseOverTheSocketGap) {
  World world(MAP_12TIB);
  const MetaPlan& plan = world.plan;
  EXPECT_EQ(plan.slot_count, 14 * TiB / PAGE_SIZE);
  EXPECT_EQ(plan.region_bytes, 14 * TiB / 64);
  const std::vector<MetaChunkRange> want = {
      {0, 0x1c00000},                            // low RAM up to ~1.7 GiB
      {4 * GiB / 64, (6 * TiB - 4 * GiB) / 64},  // socket 0 (the 16 MiB carve-out shares chunks)
      {8 * TiB / 64, 6 * TiB / 64},              // socket 1
  };
  EXPECT_EQ(std::vector<MetaChunkRange>(plan.backed.begin(), plan.backed.end()), want);
  EXPECT_EQ(plan.backed_bytes, 0x1c00000 + (12 * TiB - 4 * GiB) / 64);
  EXPECT_TRUE(plan.slot_is_backed(13 * TiB));
  EXPECT_FALSE(plan.slot_is_backed(7 * TiB));   // the socket gap
  EXPECT_FALSE(plan.slot_is_backed(3 * GiB));   // the 32-bit PCI window
  EXPECT_FALSE(plan.slot_is_backed(16 * TiB));  // MMIO beyond the last usable frame
}

TEST(MetaBacking, TwelveTiBIsBackedAbove4GiBInFreeUsableRam) {
  World world(MAP_12TIB);
  const std::vector<memmap::Reservation> before(world.reservations.list().begin(),
                                        world.reservations.list().end());
  Backing backing(world, 14 * TiB, 1024);
  ASSERT_TRUE(backing.count.has_value());
  std::vector<MetaBackingPiece>& pieces = backing.pieces;
  pieces.resize(*backing.count);
  EXPECT_EQ(backing.low.frames_allocated(), 0u);  // nothing below 4 GiB was needed

  // The pieces, joined where they are contiguous in the region, are the planned stretches.
  std::vector<MetaChunkRange> covered;
  std::uint64_t total = 0;
  for (const MetaBackingPiece& piece : pieces) {
    EXPECT_EQ(piece.offset % META_CHUNK_SIZE, 0u);
    EXPECT_EQ(piece.backing.start % META_CHUNK_SIZE, 0u);
    EXPECT_EQ(piece.backing.size() % META_CHUNK_SIZE, 0u);
    EXPECT_GE(piece.backing.start, 4 * GiB);
    EXPECT_TRUE(world.inside_usable(piece.backing)) << piece.backing.start;
    for (const memmap::Reservation& r : before) EXPECT_FALSE((r.range.start < piece.backing.end && piece.backing.start < r.range.end));
    total += piece.backing.size();
    if (!covered.empty() && covered.back().offset + covered.back().length == piece.offset) {
      covered.back().length += piece.backing.size();
    } else {
      covered.push_back({piece.offset, piece.backing.size()});
    }
  }
  EXPECT_EQ(covered, std::vector<MetaChunkRange>(world.plan.backed.begin(), world.plan.backed.end()));
  EXPECT_EQ(total, world.plan.backed_bytes);
  // No two pieces share a frame.
  std::ranges::sort(pieces, {}, [](const MetaBackingPiece& p) { return p.backing.start; });
  for (std::size_t i = 1; i < pieces.size(); ++i) {
    EXPECT_LE(pieces[i - 1].backing.end, pieces[i].backing.start);
  }
  // Every backing frame is recorded as metadata, so the allocator never gets it.
  std::uint64_t recorded = 0;
  for (const memmap::Reservation& r : world.reservations.list()) {
    if (r.usage == memmap::FrameUsage::MetaRegion) recorded += r.range.size();
  }
  EXPECT_EQ(recorded, world.plan.backed_bytes);
}

TEST(MetaBacking, FragmentedRamGetsSmallerPieces) {
  // 8 GiB above 4 GiB in 64 MiB runs, each ending in a 4 KiB reserved page: one planned
  // stretch of 128 MiB of metadata, yet no free run longer than 62 MiB that is 2 MiB aligned.
  std::vector<memmap::FirmwareRegion> entries = {e820(0, 0x9f000, 1), e820(0x100000, 0x7ff00000, 1)};
  for (std::uint64_t i = 0; i < 128; ++i) {
    const std::uint64_t base = 4 * GiB + i * 64 * MiB;
    entries.push_back(e820(base, 64 * MiB - PAGE_SIZE, 1));
    entries.push_back(e820(base + 64 * MiB - PAGE_SIZE, PAGE_SIZE, 2));
  }
  World world(entries);
  ASSERT_EQ(world.plan.backed.size(), 2u);
  Backing backing(world, 12 * GiB, 64);
  ASSERT_TRUE(backing.count.has_value());
  EXPECT_GT(*backing.count, 3u);  // the 128 MiB stretch took several pieces
  EXPECT_EQ(backing.low.frames_allocated(), 0u);  // smaller pieces above 4 GiB before any below
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < *backing.count; ++i) {
    const PhysRange& piece = backing.pieces[i].backing;
    EXPECT_TRUE(world.inside_usable(piece)) << piece.start;
    total += piece.size();
  }
  EXPECT_EQ(total, world.plan.backed_bytes);
}

TEST(MetaBacking, NotEnoughRamNamesTheNumbers) {
  // 2 MiB of usable RAM that holds no 2 MiB-aligned 2 MiB run.
  const memmap::FirmwareRegion entries[] = {e820(0x100000, 0x200000, 1)};
  World world(entries);
  const Backing backing(world, /*high_end=*/0, 4);  // RAM below 4 GiB only
  const auto& count = backing.count;
  ASSERT_FALSE(count.has_value());
  EXPECT_EQ(count.error().kind, MetaBackingFailure::Kind::OutOfMemory);
  EXPECT_EQ(count.error().error, memmap::EarlyAllocError::OutOfMemory);
  EXPECT_EQ(count.error().backed_bytes, 0u);
  EXPECT_EQ(count.error().needed_bytes, META_CHUNK_SIZE);
}

TEST(MetaBacking, TooManyPiecesIsAnErrorNotAnOverflow) {
  World world(MAP_12TIB);
  const Backing backing(world, 14 * TiB, 1);  // the three stretches need at least three pieces
  const auto& count = backing.count;
  ASSERT_FALSE(count.has_value());
  EXPECT_EQ(count.error().kind, MetaBackingFailure::Kind::TooManyPieces);
  EXPECT_EQ(count.error().pieces, 1u);
}

}  // namespace
}  // namespace mm::meta
