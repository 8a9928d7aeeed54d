// Sanitizer tests: real firmware maps and every quirk, with exact expected outputs.
#include "mm/memmap/sanitize.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mm/memmap/firmware_types.h"
#include "mm/memmap/testing/real_maps.h"
#include "lib/fmt/string_sink.h"

namespace mm::memmap {
namespace {

using keel::fmt::to_text;
constexpr auto E820 = FirmwareMapKind::E820;
constexpr auto EFI = FirmwareMapKind::Efi;
constexpr auto U = RegionType::Usable;
constexpr auto R = RegionType::Reserved;
constexpr auto A = RegionType::AcpiReclaimable;
constexpr auto N = RegionType::AcpiNvs;
constexpr auto X = RegionType::Unusable;
constexpr auto P = RegionType::Persistent;
constexpr std::uint64_t MiB = 1ull << 20;
constexpr std::uint64_t GiB = 1ull << 30;
constexpr std::uint64_t TiB = 1ull << 40;

struct Sanitized {
  std::expected<void, MemoryMapError> result;
  std::vector<MemoryRegion> regions;
  std::vector<std::string> warnings;
  Paddr max_usable_end = 0;
  std::uint64_t usable_bytes = 0;
};

Sanitized sanitize(std::span<const FirmwareRegion> entries, unsigned phys_bits = MAX_PADDR_BITS) {
  auto map = std::make_unique<MemoryMap>();
  MapWarnings warnings;
  Sanitized out;
  out.result = sanitize_memory_map(entries, SanitizeOptions{phys_bits}, *map, warnings);
  out.regions.assign(map->regions().begin(), map->regions().end());
  for (const MapWarning& w : warnings.list()) out.warnings.push_back(to_text(w));
  out.max_usable_end = map->max_usable_end();
  out.usable_bytes = map->usable_bytes();
  return out;
}

Sanitized sanitize(std::initializer_list<FirmwareRegion> entries, unsigned phys_bits = MAX_PADDR_BITS) {
  return sanitize(std::span<const FirmwareRegion>(entries.begin(), entries.size()), phys_bits);
}

std::string describe(const std::vector<MemoryRegion>& regions) {
  std::string s;
  for (const auto& r : regions) {
    s += to_text(r.range.start) + "-" + to_text(r.range.end) + " " +
         std::string(region_type_name(r.type)) + "\n";
  }
  return s;
}

#define EXPECT_REGIONS(actual, ...)                                       \
  do {                                                                    \
    const std::vector<MemoryRegion> expected_ = __VA_ARGS__;              \
    EXPECT_EQ(actual, expected_) << "got:\n" << describe(actual)          \
                                 << "want:\n" << describe(expected_);     \
  } while (0)

// ---- Real maps -----------------------------------------------------------------------

TEST(SanitizeRealMaps, SeabiosPc512m) {
  const auto s = sanitize(testing::SEABIOS_PC_512M);
  ASSERT_TRUE(s.result.has_value());
  EXPECT_REGIONS(s.regions, {{{0x0, 0x9f000}, U},
                             {{0x9f000, 0xa0000}, R},
                             {{0xf0000, 0x100000}, R},
                             {{0x100000, 0x1ffe0000}, U},
                             {{0x1ffe0000, 0x20000000}, R},
                             {{0xfeffc000, 0xff000000}, R},
                             {{0xfffc0000, 0x100000000}, R}});
  EXPECT_EQ(s.warnings, std::vector<std::string>{
                            "entry 0 usable [0x0, 0x9fc00): not page aligned, trimmed to [0x0, 0x9f000)"});
  EXPECT_EQ(s.max_usable_end, 0x1ffe0000u);
  EXPECT_EQ(s.usable_bytes, 0x9f000u + 0x1fee0000u);
}

TEST(SanitizeRealMaps, SeabiosPc6gHasRamAbove4g) {
  const auto s = sanitize(testing::SEABIOS_PC_6G);
  ASSERT_TRUE(s.result.has_value());
  EXPECT_REGIONS(s.regions, {{{0x0, 0x9f000}, U},
                             {{0x9f000, 0xa0000}, R},
                             {{0xf0000, 0x100000}, R},
                             {{0x100000, 0xbffe0000}, U},
                             {{0xbffe0000, 0xc0000000}, R},
                             {{0xfeffc000, 0xff000000}, R},
                             {{0xfffc0000, 0x100000000}, R},
                             {{0x100000000, 0x1c0000000}, U}});
  EXPECT_EQ(s.max_usable_end, 0x1c0000000u);
}

TEST(SanitizeRealMaps, SeabiosQ35KeepsMmconfigAndSizesByUsableRam) {
  const auto s = sanitize(testing::SEABIOS_Q35_WITH_2G);
  ASSERT_TRUE(s.result.has_value());
  EXPECT_REGIONS(s.regions, {{{0x0, 0x9f000}, U},
                             {{0x9f000, 0xa0000}, R},
                             {{0xf0000, 0x100000}, R},
                             {{0x100000, 0x7ffe0000}, U},
                             {{0x7ffe0000, 0x80000000}, R},
                             {{0xb0000000, 0xc0000000}, R},
                             {{0xfed1c000, 0xfed20000}, R},
                             {{0xfeffc000, 0xff000000}, R},
                             {{0xfffc0000, 0x100000000}, R},
                             {{0xfd00000000, 0x10000000000}, R}});
  EXPECT_EQ(s.max_usable_end, 0x7ffe0000u);  // not the reserved entry at 1 TiB
}

TEST(SanitizeRealMaps, MicrovmPvh) {
  const auto s = sanitize(testing::MICROVM_PVH_256M);
  ASSERT_TRUE(s.result.has_value());
  EXPECT_REGIONS(s.regions, {{{0x0, 0x10000000}, U}});
  EXPECT_TRUE(s.warnings.empty());
}

TEST(SanitizeRealMaps, PcPvh) {
  const auto s = sanitize(testing::PC_PVH_512M);
  ASSERT_TRUE(s.result.has_value());
  EXPECT_REGIONS(s.regions, {{{0x0, 0x20000000}, U}, {{0xfeffc000, 0xff000000}, R}});
  EXPECT_TRUE(s.warnings.empty());
}

TEST(SanitizeRealMaps, FirecrackerUnsortedWithEbdaEnd) {
  const auto s = sanitize(testing::FIRECRACKER_4G);
  ASSERT_TRUE(s.result.has_value());
  EXPECT_REGIONS(s.regions, {{{0x0, 0x9f000}, U},
                             {{0x100000, 0xd0000000}, U},
                             {{0x100000000, 0x130000000}, U}});
  EXPECT_EQ(s.warnings, std::vector<std::string>{
                            "entry 2 usable [0x0, 0x9fc00): not page aligned, trimmed to [0x0, 0x9f000)"});
}

std::vector<MemoryRegion> ovmf_128m_expected() {
  return {{{0x0, 0xa0000}, U},
          {{0x100000, 0x800000}, U},
          {{0x800000, 0x808000}, N},
          {{0x808000, 0x810000}, U},
          {{0x810000, 0x900000}, N},
          {{0x900000, 0x78ef000}, U},
          {{0x78ef000, 0x7b6f000}, R},
          {{0x7b6f000, 0x7b7f000}, A},
          {{0x7b7f000, 0x7bff000}, N},
          {{0x7bff000, 0x7ef4000}, U},
          {{0x7ef4000, 0x7f78000}, R},
          {{0x7f78000, 0x8000000}, N},
          {{0xffc00000, 0x100000000}, R}};
}

TEST(SanitizeRealMaps, OvmfE820) {
  const auto s = sanitize(testing::OVMF_128M_E820);
  ASSERT_TRUE(s.result.has_value());
  EXPECT_REGIONS(s.regions, ovmf_128m_expected());
  EXPECT_TRUE(s.warnings.empty());
}

// The raw UEFI map of the same VM: 115 descriptors (BootServices*, Loader*, Runtime*,
// MMIO) collapse to exactly the e820 view — the cross-check the sample data documents.
TEST(SanitizeRealMaps, OvmfEfiMatchesE820View) {
  const auto s = sanitize(testing::OVMF_128M_EFI);
  ASSERT_TRUE(s.result.has_value());
  EXPECT_REGIONS(s.regions, ovmf_128m_expected());
  EXPECT_TRUE(s.warnings.empty());
  EXPECT_EQ(s.usable_bytes, sanitize(testing::OVMF_128M_E820).usable_bytes);
}

// ---- Quirks ----------------------------------------------------------------------------

TEST(SanitizeQuirks, UnsortedInputGivesSortedOutput) {
  const auto s = sanitize({{0x200000, 0x100000, 1, E820}, {0x0, 0x1000, 2, E820}, {0x100000, 0x80000, 3, E820}});
  ASSERT_TRUE(s.result.has_value());
  EXPECT_REGIONS(s.regions, {{{0x0, 0x1000}, R}, {{0x100000, 0x180000}, A}, {{0x200000, 0x300000}, U}});
  EXPECT_TRUE(s.warnings.empty());
}

TEST(SanitizeQuirks, OverlapSplitsUsableAroundReserved) {
  const auto s = sanitize({{0x0, 16 * MiB, 1, E820}, {4 * MiB, MiB, 2, E820}});
  ASSERT_TRUE(s.result.has_value());
  EXPECT_REGIONS(s.regions, {{{0, 4 * MiB}, U}, {{4 * MiB, 5 * MiB}, R}, {{5 * MiB, 16 * MiB}, U}});
  EXPECT_EQ(s.warnings, std::vector<std::string>{
                            "overlapping entries over [0x400000, 0x500000): kept the most restrictive type, reserved"});
}

TEST(SanitizeQuirks, DuplicatesCollapse) {
  const auto s = sanitize({{MiB, MiB, 1, E820}, {MiB, MiB, 1, E820}, {MiB, MiB, 1, E820}});
  ASSERT_TRUE(s.result.has_value());
  EXPECT_REGIONS(s.regions, {{{MiB, 2 * MiB}, U}});
  EXPECT_EQ(s.warnings, std::vector<std::string>{
                            "overlapping entries over [0x100000, 0x200000): kept the most restrictive type, usable"});
}

TEST(SanitizeQuirks, AdjacentEqualTypesMerge) {
  const auto s = sanitize({{0x0, MiB, 1, E820}, {MiB, MiB, 1, E820}, {2 * MiB, MiB, 2, E820},
                           {3 * MiB, MiB, 2, E820}, {4 * MiB, MiB, 1, E820}});
  ASSERT_TRUE(s.result.has_value());
  EXPECT_REGIONS(s.regions, {{{0, 2 * MiB}, U}, {{2 * MiB, 4 * MiB}, R}, {{4 * MiB, 5 * MiB}, U}});
  EXPECT_TRUE(s.warnings.empty());
}

// usable < acpi < persistent < reserved < nvs < unusable.
struct PriorityCase {
  std::uint32_t weaker;
  std::uint32_t stronger;
  RegionType winner;
};
class SanitizePriority : public ::testing::TestWithParam<PriorityCase> {};

TEST_P(SanitizePriority, MoreRestrictiveWinsInEitherOrder) {
  const PriorityCase c = GetParam();
  for (bool stronger_first : {false, true}) {
    const FirmwareRegion weak{0x0, 8 * MiB, c.weaker, E820};
    const FirmwareRegion strong{2 * MiB, 2 * MiB, c.stronger, E820};
    const FirmwareRegion usable{16 * MiB, MiB, 1, E820};  // keep the map valid
    const auto s = stronger_first ? sanitize({strong, weak, usable}) : sanitize({weak, strong, usable});
    ASSERT_TRUE(s.result.has_value());
    const RegionType weak_type = classify_firmware_type(E820, c.weaker).type;
    EXPECT_REGIONS(s.regions, {{{0, 2 * MiB}, weak_type},
                               {{2 * MiB, 4 * MiB}, c.winner},
                               {{4 * MiB, 8 * MiB}, weak_type},
                               {{16 * MiB, 17 * MiB}, U}});
  }
}

INSTANTIATE_TEST_SUITE_P(Order, SanitizePriority,
                         ::testing::Values(PriorityCase{1, 3, A}, PriorityCase{3, 7, P},
                                           PriorityCase{7, 2, R}, PriorityCase{2, 4, N},
                                           PriorityCase{4, 5, X}, PriorityCase{1, 5, X},
                                           PriorityCase{12, 2, R}));

TEST(SanitizeQuirks, ZeroLengthIgnoredWithWarning) {
  const auto s = sanitize({{0x5000, 0, 2, E820}, {MiB, MiB, 1, E820}});
  ASSERT_TRUE(s.result.has_value());
  EXPECT_REGIONS(s.regions, {{{MiB, 2 * MiB}, U}});
  EXPECT_EQ(s.warnings, std::vector<std::string>{"entry 0 reserved [0x5000, 0x5000): zero length, ignored"});
}

TEST(SanitizeQuirks, ByteBoundariesShrinkUsableAndGrowOthers) {
  const auto s = sanitize({{0x100, 0x9fbff - 0x100 + 1, 1, E820},  // usable 0x100-0x9fbff
                           {0x9fc00, 0x400, 2, E820},               // reserved 0x9fc00-0x9ffff
                           {0xe0800, 0x100, 4, E820},               // nvs inside a page
                           {MiB, MiB, 1, E820}});
  ASSERT_TRUE(s.result.has_value());
  EXPECT_REGIONS(s.regions, {{{0x1000, 0x9f000}, U},
                             {{0x9f000, 0xa0000}, R},
                             {{0xe0000, 0xe1000}, N},
                             {{MiB, 2 * MiB}, U}});
  EXPECT_EQ(s.warnings, std::vector<std::string>{
                            "entry 0 usable [0x100, 0x9fc00): not page aligned, trimmed to [0x1000, 0x9f000)"});
}

TEST(SanitizeQuirks, UsableHoldingNoWholePageIsDropped) {
  const auto s = sanitize({{0x1800, 0x1000, 1, E820}, {MiB, MiB, 1, E820}});
  ASSERT_TRUE(s.result.has_value());
  EXPECT_REGIONS(s.regions, {{{MiB, 2 * MiB}, U}});
  EXPECT_EQ(s.warnings, std::vector<std::string>{"entry 0 usable [0x1800, 0x2800): holds no whole page, ignored"});
}

TEST(SanitizeQuirks, PartialPageOverlapGoesToTheRestrictiveType) {
  // Usable ends mid-page where ACPI data starts: the shared page is not usable.
  const auto s = sanitize({{MiB, 0x10800, 1, E820}, {MiB + 0x10800, 0x800, 3, E820}});
  ASSERT_TRUE(s.result.has_value());
  EXPECT_REGIONS(s.regions, {{{MiB, MiB + 0x10000}, U}, {{MiB + 0x10000, MiB + 0x11000}, A}});
}

// One policy for entries running past 2^64, whatever the source: never fatal on its own.
TEST(SanitizeBrokenEntries, WrappingReservedAboveTheLimitIsDroppedWithAWarning) {
  const auto s = sanitize({{0x0, MiB, 1, E820}, {MiB, MiB, 1, E820}, {0xfffffffffffff000, 0x2000, 2, E820}});
  ASSERT_TRUE(s.result.has_value()) << to_text(s.result.error());
  EXPECT_REGIONS(s.regions, {{{0, 2 * MiB}, U}});
  EXPECT_EQ(s.warnings, std::vector<std::string>{
                            "entry 2 reserved [0xfffffffffffff000, 2^64 + 0x1000): runs past 2^64; "
                            "starts above the physical address limit 0x400000000000, ignored"});
}

TEST(SanitizeBrokenEntries, WrappingUsableIsDroppedNotTrusted) {
  // Read as [16 MiB, limit) it would claim 64 TiB of RAM that is not there.
  const auto s = sanitize({{0x0, MiB, 1, E820}, {16 * MiB, ~0ull - MiB, 1, E820}});
  ASSERT_TRUE(s.result.has_value()) << to_text(s.result.error());
  EXPECT_REGIONS(s.regions, {{{0, MiB}, U}});
  EXPECT_EQ(s.warnings, std::vector<std::string>{
                            "entry 1 usable [0x1000000, 2^64 + 0xefffff): runs past 2^64; usable RAM "
                            "with a broken length is not trusted, ignored"});
}

TEST(SanitizeBrokenEntries, WrappingReservedBelowTheLimitIsKeptToTheLimit) {
  // Reserving too much is harmless; the usable RAM it covers loses to it, as in any overlap.
  const auto s = sanitize({{0x0, 8 * GiB, 1, E820}, {4 * GiB + 0x800, ~0ull - 4 * GiB, 4, E820}}, 36);
  ASSERT_TRUE(s.result.has_value()) << to_text(s.result.error());
  EXPECT_REGIONS(s.regions, {{{0, 4 * GiB}, U}, {{4 * GiB, 64 * GiB}, N}});
  ASSERT_EQ(s.warnings.size(), 2u);
  EXPECT_EQ(s.warnings[0],
            "entry 1 nvs [0x100000800, 2^64 + 0x7ff): runs past 2^64; kept up to the "
            "physical address limit as [0x100000800, 0x1000000000)");
  EXPECT_EQ(s.warnings[1], "overlapping entries over [0x100000000, 0x200000000): kept the most restrictive type, nvs");
}

TEST(SanitizeBrokenEntries, SaturatedLengthIsTreatedAsRunningPast2To64EvenFromZero) {
  // An EFI page count whose byte length does not fit 64 bits: base 0 + the largest length
  // does not wrap, but the firmware's end lies past 2^64 all the same.
  FirmwareRegion broken{0x0, ~0ull, 7, EFI};
  broken.length_saturated = true;
  const auto s = sanitize({broken, {MiB, MiB, 7, EFI}, {2 * MiB, ~0ull, 0, EFI, true}});
  ASSERT_TRUE(s.result.has_value()) << to_text(s.result.error());
  EXPECT_REGIONS(s.regions, {{{MiB, 2 * MiB}, U}, {{2 * MiB, 1ull << 46}, R}});
  EXPECT_EQ(s.warnings,
            (std::vector<std::string>{
                "entry 0 usable [0x0, past 2^64): length does not fit 64 bits; usable RAM with a "
                "broken length is not trusted, ignored",
                "entry 2 reserved [0x200000, past 2^64): length does not fit 64 bits; kept up to "
                "the physical address limit as [0x200000, 0x400000000000)"}));
}

TEST(SanitizeBrokenEntries, OnlyWhenNothingUsableRemainsIsItFatal) {
  const auto s = sanitize({{0x1000, ~0ull, 1, E820}, {0x2000, ~0ull - 0x1000, 1, EFI}});
  ASSERT_FALSE(s.result.has_value());
  EXPECT_EQ(s.result.error().code, MemoryMapErrorCode::NoUsableMemory);
  EXPECT_TRUE(s.regions.empty());
}

TEST(SanitizeQuirks, EntryEndingExactlyAt2To64DoesNotWrap) {
  const auto s = sanitize({{0x0, MiB, 1, E820}, {0xfffffffffffff000, 0x1000, 2, E820}});
  ASSERT_TRUE(s.result.has_value());
  EXPECT_REGIONS(s.regions, {{{0, MiB}, U}});
  ASSERT_EQ(s.warnings.size(), 1u);
  EXPECT_EQ(s.warnings[0],
            "entry 1 reserved [0xfffffffffffff000, 0xffffffffffffffff): above the physical address "
            "limit 0x400000000000, ignored");
}

TEST(SanitizeQuirks, CpuPhysicalWidthDropsAndTrims) {
  // A 36-bit CPU (64 GiB) with firmware describing RAM up to 80 GiB.
  const auto s = sanitize({{MiB, GiB, 1, E820}, {60 * GiB, 8 * GiB, 1, E820}, {72 * GiB, 8 * GiB, 1, E820}}, 36);
  ASSERT_TRUE(s.result.has_value());
  EXPECT_REGIONS(s.regions, {{{MiB, GiB + MiB}, U}, {{60 * GiB, 64 * GiB}, U}});
  EXPECT_EQ(s.warnings,
            (std::vector<std::string>{
                "entry 1 usable [0xf00000000, 0x1100000000): crosses the physical address limit "
                "0x1000000000, trimmed to [0xf00000000, 0x1000000000)",
                "entry 2 usable [0x1200000000, 0x1400000000): above the physical address limit "
                "0x1000000000, ignored"}));
}

TEST(SanitizeQuirks, PhysicalLimitIsClampedToKeelsMaximum) {
  EXPECT_EQ(physical_limit({.phys_addr_bits = 0}), MAX_PADDR);
  EXPECT_EQ(physical_limit({.phys_addr_bits = 52}), MAX_PADDR);
  EXPECT_EQ(physical_limit({.phys_addr_bits = 39}), Paddr{1} << 39);
  EXPECT_EQ(physical_limit({.phys_addr_bits = 8}), Paddr{1} << 32);
}

TEST(SanitizeQuirks, NoUsableMemoryIsAnError) {
  const auto s = sanitize({{0x0, MiB, 2, E820}, {0x1000, 0x800, 1, E820}});
  ASSERT_FALSE(s.result.has_value());
  EXPECT_EQ(s.result.error().code, MemoryMapErrorCode::NoUsableMemory);
  EXPECT_EQ(s.result.error().entry_index, NO_ENTRY);
  EXPECT_EQ(to_text(s.result.error()), "NoUsableMemory: no usable memory left after sanitizing");
  EXPECT_TRUE(s.regions.empty());
}

TEST(SanitizeQuirks, EmptyMapIsAnError) {
  const auto s = sanitize(std::span<const FirmwareRegion>());
  ASSERT_FALSE(s.result.has_value());
  EXPECT_EQ(s.result.error().code, MemoryMapErrorCode::NoUsableMemory);
}

TEST(SanitizeQuirks, TooManyEntriesIsAnError) {
  std::vector<FirmwareRegion> entries;
  for (std::uint64_t i = 0; i <= MAX_FIRMWARE_REGIONS; ++i) entries.push_back({i * 2 * MiB, MiB, 1, E820});
  const auto s = sanitize(entries);
  ASSERT_FALSE(s.result.has_value());
  EXPECT_EQ(s.result.error().code, MemoryMapErrorCode::TooManyEntries);
  EXPECT_EQ(s.result.error().entry_index, MAX_FIRMWARE_REGIONS);
  entries.pop_back();
  const auto full = sanitize(entries);  // exactly at capacity: fine
  ASSERT_TRUE(full.result.has_value());
  EXPECT_EQ(full.regions.size(), MAX_FIRMWARE_REGIONS);
}

TEST(SanitizeQuirks, MaximalFragmentationFitsTheOutput) {
  // One usable entry with 511 one-page unusable islands: 1023 ranges, the output bound.
  std::vector<FirmwareRegion> entries{{0x0, 1024 * 0x1000, 1, E820}};
  for (std::uint64_t i = 0; i + 1 < MAX_FIRMWARE_REGIONS; ++i) {
    entries.push_back({(2 * i + 1) * 0x1000, 0x1000, 5, E820});
  }
  const auto s = sanitize(entries);
  ASSERT_TRUE(s.result.has_value());
  EXPECT_EQ(s.regions.size(), 2 * MAX_FIRMWARE_REGIONS - 1);
  EXPECT_EQ(s.regions.back(), (MemoryRegion{{1022 * 0x1000, 1024 * 0x1000}, U}));
}

TEST(SanitizeQuirks, UnknownTypesBecomeReservedWithWarning) {
  const auto s = sanitize({{0x0, MiB, 1, E820}, {MiB, MiB, 99, E820}, {2 * MiB, MiB, 42, EFI}});
  ASSERT_TRUE(s.result.has_value());
  EXPECT_REGIONS(s.regions, {{{0, MiB}, U}, {{MiB, 3 * MiB}, R}});
  EXPECT_EQ(s.warnings,
            (std::vector<std::string>{
                "entry 1 reserved [0x100000, 0x200000): unknown e820 type 99, treated as reserved",
                "entry 2 reserved [0x200000, 0x300000): unknown EFI type 42, treated as reserved"}));
}

TEST(SanitizeQuirks, WarningListIsBounded) {
  std::vector<FirmwareRegion> entries;
  for (int i = 0; i < 40; ++i) entries.push_back({0x1000u * i, 0, 2, E820});
  entries.push_back({MiB, MiB, 1, E820});
  auto map = std::make_unique<MemoryMap>();
  MapWarnings warnings;
  ASSERT_TRUE(sanitize_memory_map(entries, {}, *map, warnings).has_value());
  EXPECT_EQ(warnings.size(), MapWarnings::CAPACITY);
  EXPECT_EQ(warnings.dropped(), 40 - MapWarnings::CAPACITY);
  keel::fmt::StringSink sink;
  warnings.print(sink, "memmap: ");
  EXPECT_NE(sink.str().find("memmap: entry 31 reserved [0x1f000, 0x1f000): zero length, ignored\n"
                            "memmap: 8 more warnings not shown\n"),
            std::string::npos);
}

// ---- Large machines ------------------------------------------------------------------

TEST(SanitizeLarge, RamAbove1TiB) {
  const auto s = sanitize({{0x0, 0x9fc00, 1, E820}, {MiB, 2 * GiB - MiB, 1, E820},
                           {TiB, 4 * GiB, 1, E820}, {0xfd00000000, 0x300000000, 2, E820}});
  ASSERT_TRUE(s.result.has_value());
  EXPECT_REGIONS(s.regions, {{{0, 0x9f000}, U},
                             {{MiB, 2 * GiB}, U},
                             {{0xfd00000000, TiB}, R},
                             {{TiB, TiB + 4 * GiB}, U}});
  EXPECT_EQ(s.max_usable_end, TiB + 4 * GiB);
}

TEST(SanitizeLarge, RamAt64TiBIsTrimmedToMaxPaddr) {
  const auto s = sanitize({{MiB, 2 * GiB - MiB, 1, E820},
                           {MAX_PADDR - 4 * GiB, 8 * GiB, 1, E820},
                           {MAX_PADDR + 64 * GiB, 4 * GiB, 1, E820}},
                          52);
  ASSERT_TRUE(s.result.has_value());
  EXPECT_REGIONS(s.regions, {{{MiB, 2 * GiB}, U}, {{MAX_PADDR - 4 * GiB, MAX_PADDR}, U}});
  EXPECT_EQ(s.max_usable_end, MAX_PADDR);
  EXPECT_EQ(s.warnings,
            (std::vector<std::string>{
                "entry 1 usable [0x3fff00000000, 0x400100000000): crosses the physical address "
                "limit 0x400000000000, trimmed to [0x3fff00000000, 0x400000000000)",
                "entry 2 usable [0x401000000000, 0x401100000000): above the physical address limit "
                "0x400000000000, ignored"}));
}

// ---- Classification ------------------------------------------------------------------

TEST(FirmwareTypes, EfiClassification) {
  const RegionType expected[] = {R, U, U, U, U, R, R, U, X, A, N, R, R, R, P, R};
  for (std::uint32_t t = 0; t < std::size(expected); ++t) {
    EXPECT_EQ(classify_firmware_type(EFI, t).type, expected[t]) << firmware_type_name(EFI, t);
    EXPECT_TRUE(classify_firmware_type(EFI, t).known);
  }
  EXPECT_FALSE(classify_firmware_type(EFI, 16).known);
  EXPECT_EQ(classify_firmware_type(EFI, 0x70000000).type, R);  // OEM range
}

TEST(FirmwareTypes, E820Classification) {
  EXPECT_EQ(classify_firmware_type(E820, 1).type, U);
  EXPECT_EQ(classify_firmware_type(E820, 2).type, R);
  EXPECT_EQ(classify_firmware_type(E820, 3).type, A);
  EXPECT_EQ(classify_firmware_type(E820, 4).type, N);
  EXPECT_EQ(classify_firmware_type(E820, 5).type, X);
  EXPECT_EQ(classify_firmware_type(E820, 6).type, R);
  EXPECT_EQ(classify_firmware_type(E820, 7).type, P);
  EXPECT_EQ(classify_firmware_type(E820, 12).type, P);
  EXPECT_EQ(classify_firmware_type(E820, 0).type, R);
  EXPECT_FALSE(classify_firmware_type(E820, 0).known);
  EXPECT_FALSE(classify_firmware_type(E820, 13).known);
  EXPECT_EQ(firmware_type_name(E820, 3), "ACPI data");
  EXPECT_EQ(firmware_type_name(EFI, 7), "EfiConventionalMemory");
}

TEST(RegionTypes, NamesAndOrder) {
  EXPECT_EQ(region_type_name(U), "usable");
  EXPECT_EQ(region_type_name(A), "acpi");
  EXPECT_EQ(region_type_name(P), "persistent");
  EXPECT_EQ(region_type_name(R), "reserved");
  EXPECT_EQ(region_type_name(N), "nvs");
  EXPECT_EQ(region_type_name(X), "unusable");
  EXPECT_TRUE(is_more_restrictive(A, U));
  EXPECT_TRUE(is_more_restrictive(P, A));
  EXPECT_TRUE(is_more_restrictive(R, P));
  EXPECT_TRUE(is_more_restrictive(N, R));
  EXPECT_TRUE(is_more_restrictive(X, N));
}

TEST(MemoryMapQueries, TypeAtAndSegments) {
  auto map = std::make_unique<MemoryMap>();
  MapWarnings warnings;
  ASSERT_TRUE(sanitize_memory_map(testing::SEABIOS_PC_512M, {}, *map, warnings).has_value());
  EXPECT_EQ(map->type_at(0x0), U);
  EXPECT_EQ(map->type_at(0x9f000), R);
  EXPECT_EQ(map->type_at(0xa0000), std::nullopt);
  EXPECT_EQ(map->type_at(0x1ffdffff), U);
  EXPECT_EQ(map->type_at(0xffffffff), R);
  EXPECT_EQ(map->type_at(0x100000000), std::nullopt);
  std::vector<std::pair<PhysRange, std::optional<RegionType>>> parts;
  map->for_each_segment({0x9e000, 0x101000}, [&](PhysRange p, std::optional<RegionType> t) {
    parts.emplace_back(p, t);
  });
  const std::vector<std::pair<PhysRange, std::optional<RegionType>>> want = {
      {{0x9e000, 0x9f000}, U}, {{0x9f000, 0xa0000}, R}, {{0xa0000, 0xf0000}, std::nullopt},
      {{0xf0000, 0x100000}, R}, {{0x100000, 0x101000}, U}};
  EXPECT_EQ(parts, want);
}

}  // namespace
}  // namespace mm::memmap
