// In-kernel tests of the sanitized memory map and the boot reservations, on the machine keel
// booted on: the map is well formed, keel's usable total agrees with the raw firmware map,
// and everything the kernel and its loader occupy is reserved.
#define KTEST_SUITE "mm.memmap"
#include <algorithm>
#include <array>
#include <cstdint>

#include "boot/boot_info.h"
#include "kernel/boot_world.h"
#include "kernel/ktest/ktest.h"
#include "mm/memmap/firmware_region.h"
#include "mm/memmap/firmware_types.h"
#include "mm/memmap/memory_map.h"
#include "mm/memmap/reservation.h"
#include "mm/memmap/sanitize.h"
#include "mm/meta/meta_region.h"
#include "mm/types.h"

extern "C" char __kernel_phys_start[];
extern "C" char __kernel_phys_end[];

namespace {

// The firmware types that hold RAM keel may use. Written out here rather than taken from
// classify_firmware_type, so the test checks the sanitizer against an independent reading:
// e820 type 1; EFI conventional memory plus loader and boot-services memory (free once the
// loader has called ExitBootServices, which it has by the time keel runs).
bool firmware_type_is_usable(const mm::memmap::FirmwareRegion& r) {
  if (r.kind == mm::memmap::FirmwareMapKind::E820) return r.type == 1;
  return r.type == 1 || r.type == 2 || r.type == 3 || r.type == 4 || r.type == 7;
}

// An entry whose end lies past 2^64 has a broken length: keel keeps no usable RAM from it
// and reserves from its base up (sanitize.h).
bool runs_past_2_to_64(const mm::memmap::FirmwareRegion& r) {
  // For base > 0, 2^64 - base is ~base + 1; from base 0 no 64-bit length gets past 2^64.
  return r.length_saturated || (r.base != 0 && r.length > ~r.base + 1);
}

// [base, base + length) clipped to MAX_PADDR (the sanitizer clips there too; on QEMU the
// CPU's own limit is higher than any RAM it gives the guest); empty for a usable entry
// running past 2^64, and up to MAX_PADDR for any other.
mm::PhysRange raw_range(const mm::memmap::FirmwareRegion& r) {
  if (runs_past_2_to_64(r)) {
    if (firmware_type_is_usable(r)) return {};
    return {std::min(r.base, mm::MAX_PADDR), mm::MAX_PADDR};
  }
  const std::uint64_t end =
      r.length > ~std::uint64_t{0} - r.base ? ~std::uint64_t{0} : r.base + r.length;
  return {std::min(r.base, mm::MAX_PADDR), std::min(end, mm::MAX_PADDR)};
}

// The bytes of RAM the firmware map offers: every usable entry shrunk inward to whole 4 KiB
// frames (per entry, as the sanitizer does: a frame split between two usable entries is
// lost), their union, minus every frame a non-usable entry touches (non-usable entries
// grow outward: a partly reserved frame is reserved). Sweeps the elementary intervals
// between all boundaries: O(n^2) for n ≤ 512 entries, no heap.
std::uint64_t usable_bytes_from_firmware(std::span<const mm::memmap::FirmwareRegion> entries) {
  struct Clipped {
    mm::PhysRange range;
    bool usable;
  };
  static constinit std::array<Clipped, boot::MAX_MEMORY_REGIONS> clipped{};
  static constinit std::array<std::uint64_t, 2 * boot::MAX_MEMORY_REGIONS> bounds{};
  std::size_t n = 0;
  std::size_t nb = 0;
  for (const mm::memmap::FirmwareRegion& entry : entries) {
    const mm::PhysRange raw = raw_range(entry);
    if (raw.empty()) continue;
    const bool usable = firmware_type_is_usable(entry);
    mm::PhysRange r = usable ? mm::PhysRange{mm::align_up(raw.start, mm::PAGE_SIZE),
                                             mm::align_down(raw.end, mm::PAGE_SIZE)}
                             : mm::PhysRange{mm::align_down(raw.start, mm::PAGE_SIZE),
                                             std::min(mm::align_up(raw.end, mm::PAGE_SIZE),
                                                      mm::MAX_PADDR)};
    if (r.empty()) continue;
    clipped[n++] = {r, usable};
    bounds[nb++] = r.start;
    bounds[nb++] = r.end;
  }
  // A lambda, not std::less: libc++ keeps std::sort of integers with std::less as an
  // out-of-line instantiation in its shared library, which the kernel does not link.
  std::sort(bounds.begin(), bounds.begin() + nb,
            [](std::uint64_t a, std::uint64_t b) { return a < b; });
  std::uint64_t total = 0;
  for (std::size_t i = 0; i + 1 < nb; ++i) {
    const mm::PhysRange piece{bounds[i], bounds[i + 1]};
    if (piece.empty()) continue;
    bool in_usable = false;
    bool in_other = false;
    for (std::size_t j = 0; j < n; ++j) {
      if (clipped[j].range.start <= piece.start && piece.end <= clipped[j].range.end) {
        (clipped[j].usable ? in_usable : in_other) = true;
      }
    }
    if (in_usable && !in_other) total += piece.size();
  }
  return total;
}

// The boot path's one policy for broken entries, run in the kernel build: entries running
// past 2^64 (wrapping e820, an EFI end past the top, a page count too big for 64 bits) are
// warned about and dropped or clamped, and the map built from the rest is keel's.
KTEST(entries_running_past_2_to_64_are_warned_about_not_fatal) {
  static constinit mm::memmap::MemoryMap map;
  mm::memmap::MapWarnings warnings;
  const mm::memmap::FirmwareRegion entries[] = {
      {0x100000, 0x1ff00000, 1, mm::memmap::FirmwareMapKind::E820},
      {0x40000000, ~std::uint64_t{0} - 0x1000, 1, mm::memmap::FirmwareMapKind::E820},  // usable, wraps
      {0xfffffffffff00000, 0x200000, 2, mm::memmap::FirmwareMapKind::E820},            // above the top
      {0x20000000, 0x1000, 7, mm::memmap::FirmwareMapKind::Efi},
      {0x30000000, ~std::uint64_t{0}, 0, mm::memmap::FirmwareMapKind::Efi, true},  // page count overflow
  };
  const auto result = mm::memmap::sanitize_memory_map(entries, {.phys_addr_bits = 36}, map, warnings);
  KTEST_ASSERT_TRUE(result.has_value());
  std::size_t past_top = 0;
  for (const mm::memmap::MapWarning& w : warnings.list()) {
    if (w.kind == mm::memmap::MapWarningKind::RunsPast2To64) ++past_top;
  }
  KEXPECT_EQ(past_top, 3u);
  KEXPECT_EQ(map.usable_bytes(), 0x1ff00000u + 0x1000u);
  KEXPECT_TRUE(map.type_at(0x40000000) == mm::memmap::RegionType::Reserved);  // the saturated one, kept
  KEXPECT_TRUE(map.type_at(0xfffffffff) == mm::memmap::RegionType::Reserved);  // up to the 36-bit limit
}

// Whether [range) lies inside the union of the reservations labeled `usage`.
bool reserved_as(mm::PhysRange range, mm::memmap::FrameUsage usage) {
  for (mm::Paddr pa = mm::align_down(range.start, mm::PAGE_SIZE); pa < range.end;
       pa += mm::PAGE_SIZE) {
    bool covered = false;
    for (const mm::memmap::Reservation& r : mm::meta::boot_reservations()) {
      if (r.usage == usage && r.range.contains(pa)) covered = true;
    }
    if (!covered) return false;
  }
  return true;
}

KTEST(map_is_sorted_disjoint_merged_and_page_aligned) {
  const auto regions = mm::meta::memory_map().regions();
  KTEST_ASSERT_TRUE(!regions.empty());
  for (std::size_t i = 0; i < regions.size(); ++i) {
    const mm::memmap::MemoryRegion& r = regions[i];
    KEXPECT_TRUE(!r.range.empty());
    KEXPECT_TRUE(mm::is_page_aligned(r.range.start) && mm::is_page_aligned(r.range.end));
    if (i == 0) continue;
    const mm::memmap::MemoryRegion& prev = regions[i - 1];
    KEXPECT_LE(prev.range.end, r.range.start);
    // Adjacent ranges of one type would have been merged.
    if (prev.range.end == r.range.start) KEXPECT_TRUE(prev.type != r.type);
  }
}

KTEST(type_at_agrees_with_regions) {
  const mm::memmap::MemoryMap& map = mm::meta::memory_map();
  mm::Paddr previous_end = 0;
  for (const mm::memmap::MemoryRegion& r : map.regions()) {
    KEXPECT_TRUE(map.type_at(r.range.start) == r.type);
    KEXPECT_TRUE(map.type_at(r.range.end - 1) == r.type);
    if (previous_end < r.range.start) KEXPECT_FALSE(map.type_at(previous_end).has_value());
    previous_end = r.range.end;
  }
}

// The sanitizer may drop, clip and round, but on a QEMU map (page-aligned, non-overlapping
// e820/EFI entries) none of that changes the usable byte count: the two must agree exactly.
KTEST(usable_total_matches_firmware_map) {
  const boot::BootInfo& info = kernel::boot_info();
  KTEST_ASSERT_TRUE(info.memory_map_count > 0);
  const std::uint64_t firmware = usable_bytes_from_firmware(info.regions());
  const std::uint64_t keel = mm::meta::memory_map().usable_bytes();
  ktest_ctx.print_diagnostic("firmware map ({} entries): {} usable; keel: {}",
                             info.memory_map_count, keel::fmt::HumanBytes{firmware},
                             keel::fmt::HumanBytes{keel});
  KEXPECT_EQ(keel, firmware);
  KEXPECT_EQ(kernel::memory_init_report().usable_bytes, keel);
}

KTEST(kernel_image_is_reserved) {
  const auto start = reinterpret_cast<mm::Paddr>(__kernel_phys_start);
  const auto end = reinterpret_cast<mm::Paddr>(__kernel_phys_end);
  KTEST_ASSERT_TRUE(start < end);
  KEXPECT_TRUE(reserved_as({start, end}, mm::memmap::FrameUsage::KernelImage));
}

KTEST(boot_info_block_is_reserved) {
  const boot::BootInfo& info = kernel::boot_info();
  KTEST_ASSERT_TRUE(info.info_size > 0);
  KEXPECT_TRUE(reserved_as({info.info_paddr, info.info_paddr + info.info_size},
                           mm::memmap::FrameUsage::BootInfo));
}

KTEST(low_memory_is_reserved) {
  KEXPECT_TRUE(reserved_as({0, mm::memmap::LOW_MEMORY_END}, mm::memmap::FrameUsage::LowMemory));
}

// Reservations are whole frames, below MAX_PADDR, and the early allocator's records (the
// metadata backing) lie in usable RAM.
KTEST(reservations_are_whole_frames) {
  for (const mm::memmap::Reservation& r : mm::meta::boot_reservations()) {
    KEXPECT_TRUE(mm::is_page_aligned(r.range.start) && mm::is_page_aligned(r.range.end));
    KEXPECT_LT(r.range.start, r.range.end);
    KEXPECT_LE(r.range.end, mm::MAX_PADDR);
    if (r.usage == mm::memmap::FrameUsage::MetaRegion || r.usage == mm::memmap::FrameUsage::EarlyPageTable) {
      KEXPECT_TRUE(mm::meta::memory_map().type_at(r.range.start) == mm::memmap::RegionType::Usable);
      KEXPECT_TRUE(mm::meta::memory_map().type_at(r.range.end - 1) == mm::memmap::RegionType::Usable);
    }
  }
}

}  // namespace
