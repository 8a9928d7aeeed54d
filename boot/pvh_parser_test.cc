#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "boot/boot_info.h"
#include "boot/fuzz/boot_blobs.h"
#include "boot/pvh_start_info.h"
#include "mm/memmap/memory_map.h"
#include "mm/memmap/sanitize.h"
#include "lib/fmt/string_sink.h"

namespace boot {
namespace {

using fuzz::PvhImageBuilder;
using fuzz::ScopedPhysImage;
using fuzz::sim_read_phys;
using fuzz::SIM_PHYS_BASE;

struct Parsed {
  std::unique_ptr<BootInfo> info = std::make_unique<BootInfo>();
  std::expected<void, BootInfoFailure> result;
};

Parsed parse(const PvhImageBuilder& builder, std::size_t start_info_size = 56,
             PhysReader reader = sim_read_phys) {
  const auto image = builder.build();
  const ScopedPhysImage phys(image);
  Parsed parsed;
  parsed.result = parse_pvh(phys.start_info(start_info_size), SIM_PHYS_BASE, reader, *parsed.info);
  return parsed;
}

BootInfoFailure expect_error(const Parsed& parsed, BootInfoError error) {
  EXPECT_FALSE(parsed.result.has_value());
  if (parsed.result.has_value()) return {};
  EXPECT_EQ(std::string_view(error_name(parsed.result.error().error)),
            std::string_view(error_name(error)));
  return parsed.result.error();
}

TEST(Pvh, FirecrackerLikeStartInfo) {
  const auto parsed = parse(PvhImageBuilder{});
  ASSERT_TRUE(parsed.result.has_value()) << error_name(parsed.result.error().error);
  const BootInfo& info = *parsed.info;
  EXPECT_EQ(info.path, BootPath::Pvh);
  EXPECT_EQ(std::string_view(info.loader_name.data()), "PVH");
  EXPECT_EQ(info.command_line(), "console=ttyS0 ktest ktest.filter=mm.*");
  ASSERT_EQ(info.memory_map_count, 4u);
  EXPECT_EQ(info.e820_count, 4u);
  EXPECT_EQ(info.memory_map[3].base, 0x100000u);
  EXPECT_EQ(info.memory_map[3].length, 0x1ff00000u);
  EXPECT_EQ(info.memory_map[3].type, 1u);
  EXPECT_EQ(info.memory_map[1].type, 2u);
  for (const auto& r : info.regions()) EXPECT_EQ(r.kind, mm::memmap::FirmwareMapKind::E820);
  ASSERT_EQ(info.module_count, 1u);
  EXPECT_EQ(info.modules[0].start, 0x200000u);
  EXPECT_EQ(info.modules[0].end, 0x201234u);
  EXPECT_EQ(std::string_view(info.modules[0].name.data()), "initrd");
  EXPECT_EQ(info.acpi_rsdp_paddr, 0xf5a40u);
  EXPECT_EQ(info.acpi_rsdp_revision, ACPI_RSDP_REVISION_UNKNOWN);
  EXPECT_EQ(info.info_paddr, SIM_PHYS_BASE);
  EXPECT_EQ(info.info_size, 56u);
  EXPECT_FALSE(info.framebuffer.present());
}

TEST(Pvh, OptionalPartsMayBeAbsent) {
  PvhImageBuilder builder;
  builder.has_cmdline = false;
  builder.modules.clear();
  builder.rsdp_paddr = 0;
  const auto parsed = parse(builder);
  ASSERT_TRUE(parsed.result.has_value());
  EXPECT_EQ(parsed.info->command_line(), "");
  EXPECT_EQ(parsed.info->module_count, 0u);
  EXPECT_EQ(parsed.info->acpi_rsdp_paddr, 0u);
}

TEST(Pvh, LaterVersionsAreReadThroughTheirV1Prefix) {
  PvhImageBuilder builder;
  builder.version = 2;
  EXPECT_TRUE(parse(builder, 64).result.has_value());
}

TEST(Pvh, ModuleWithoutNameAndManyModules) {
  PvhImageBuilder builder;
  builder.modules.clear();
  for (std::uint64_t i = 0; i < MAX_MODULES + 3; ++i) {
    builder.modules.push_back({0x400000 + i * 0x1000, 0x800, i == 0 ? "" : "mod"});
  }
  const auto parsed = parse(builder);
  ASSERT_TRUE(parsed.result.has_value());
  EXPECT_EQ(parsed.info->module_count, MAX_MODULES);
  EXPECT_TRUE(parsed.info->modules_truncated);
  EXPECT_EQ(std::string_view(parsed.info->modules[0].name.data()), "");
  EXPECT_EQ(std::string_view(parsed.info->modules[1].name.data()), "mod");
}

TEST(Pvh, LongModuleNameIsTruncated) {
  PvhImageBuilder builder;
  const std::string name(90, 'm');
  builder.modules = {{0x200000, 0x10, name}};
  const auto parsed = parse(builder);
  ASSERT_TRUE(parsed.result.has_value());
  EXPECT_EQ(std::string_view(parsed.info->modules[0].name.data()), std::string(63, 'm'));
  EXPECT_TRUE(parsed.info->modules[0].name_truncated);
}

TEST(Pvh, TooManyMemmapEntriesReadsOnlyWhatFits) {
  PvhImageBuilder builder;
  builder.memmap.clear();
  for (std::uint64_t i = 0; i < MAX_MEMORY_REGIONS + 5; ++i) {
    builder.memmap.push_back({i * 0x10000, 0x1000, 1});
  }
  // Table at +0x100 is (MAX + 5) * 24 bytes: move the rest out of its way.
  builder.has_cmdline = false;
  builder.modules.clear();
  builder.image_size = 0x100 + (MAX_MEMORY_REGIONS + 5) * 24;
  const auto parsed = parse(builder);
  ASSERT_TRUE(parsed.result.has_value());
  EXPECT_EQ(parsed.info->memory_map_count, MAX_MEMORY_REGIONS);
  EXPECT_EQ(parsed.info->e820_count, MAX_MEMORY_REGIONS + 5);
  EXPECT_TRUE(parsed.info->memory_map_truncated);
}

// PVH hands keel e820 entries as given; one running past 2^64 is the sanitizer's to drop
// or clamp, with a warning, and never stops the boot on its own.
TEST(Pvh, WrappingMemmapEntryIsPassedOnAndWarnedAboutNotFatal) {
  PvhImageBuilder builder;
  builder.memmap.push_back({0x1'0000'0000ull, ~0ull - 0xffff, 1});          // usable, wraps
  builder.memmap.push_back({0x40'0000'0000ull, ~0ull - 0x3f'ffff'0000ull, 2});  // reserved, wraps
  const auto parsed = parse(builder);
  ASSERT_TRUE(parsed.result.has_value());
  const BootInfo& info = *parsed.info;
  ASSERT_EQ(info.memory_map_count, 6u);
  EXPECT_EQ(info.memory_map[4].length, ~0ull - 0xffff);
  EXPECT_FALSE(info.memory_map[4].length_saturated);
  auto map = std::make_unique<mm::memmap::MemoryMap>();
  mm::memmap::MapWarnings warnings;
  const auto result = mm::memmap::sanitize_memory_map(info.regions(), {.phys_addr_bits = 40}, *map, warnings);
  ASSERT_TRUE(result.has_value()) << keel::fmt::to_text(result.error());
  EXPECT_EQ(map->usable_bytes(), 0x1ff00000u + 0x9f000u);  // the wrapping usable entry is gone
  std::vector<std::string> text;
  for (const mm::memmap::MapWarning& w : warnings.list()) {
    if (w.kind == mm::memmap::MapWarningKind::RunsPast2To64) text.push_back(keel::fmt::to_text(w));
  }
  EXPECT_EQ(text, (std::vector<std::string>{
                      "entry 4 usable [0x100000000, 2^64 + 0xffff0000): runs past 2^64; usable RAM "
                      "with a broken length is not trusted, ignored",
                      "entry 5 reserved [0x4000000000, 2^64 + 0xffff): runs past 2^64; kept up to "
                      "the physical address limit as [0x4000000000, 0x10000000000)"}));
  EXPECT_EQ(map->type_at(0x80'0000'0000ull), mm::memmap::RegionType::Reserved);
}

// ---- Malformed start_info -----------------------------------------------------------------

TEST(PvhMalformed, BadMagic) {
  PvhImageBuilder builder;
  builder.magic = 0x336ec579;
  expect_error(parse(builder), BootInfoError::BadMagic);
}

TEST(PvhMalformed, VersionZeroHasNoMemoryMap) {
  PvhImageBuilder builder;
  builder.version = 0;
  const auto failure = expect_error(parse(builder, 40), BootInfoError::NoMemoryMap);
  EXPECT_EQ(failure.offset, offsetof(pvh::HvmStartInfo, version));
}

TEST(PvhMalformed, StructShorterThanItsVersion) {
  expect_error(parse(PvhImageBuilder{}, 40), BootInfoError::TooSmall);  // v1 needs 56
  PvhImageBuilder v0;
  v0.version = 0;
  expect_error(parse(v0, 32), BootInfoError::TooSmall);
  expect_error(parse(PvhImageBuilder{}, 6), BootInfoError::TooSmall);
}

TEST(PvhMalformed, EmptyMemmap) {
  PvhImageBuilder builder;
  builder.memmap.clear();
  expect_error(parse(builder), BootInfoError::NoMemoryMap);
}

TEST(PvhMalformed, MemmapPointerUnreadable) {
  PvhImageBuilder builder;
  auto image = builder.build();
  fuzz::store_u64(image, 40, 0x7fff'0000);  // far outside the simulated memory
  const ScopedPhysImage phys(image);
  BootInfo info;
  const auto result = parse_pvh(phys.start_info(), SIM_PHYS_BASE, sim_read_phys, info);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().error, BootInfoError::Unreadable);
  EXPECT_EQ(result.error().offset, offsetof(pvh::HvmStartInfo, memmap_paddr));
  EXPECT_EQ(result.error().paddr, 0x7fff'0000u);
}

TEST(PvhMalformed, MemmapRunsOffTheEndOfMemory) {
  PvhImageBuilder builder;
  auto image = builder.build();
  fuzz::store_u32(image, 48, 1000);  // 24000 bytes from +0x100 in a 4 KiB image
  const ScopedPhysImage phys(image);
  BootInfo info;
  const auto result = parse_pvh(phys.start_info(), SIM_PHYS_BASE, sim_read_phys, info);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().error, BootInfoError::Unreadable);
}

TEST(PvhMalformed, NoReader) {
  expect_error(parse(PvhImageBuilder{}, 56, nullptr), BootInfoError::Unreadable);
}

TEST(PvhMalformed, CmdlineNeverEnds) {
  PvhImageBuilder builder;
  builder.terminate_cmdline = false;  // 1024 bytes of 'x' with no NUL
  const auto failure = expect_error(parse(builder), BootInfoError::UnterminatedString);
  EXPECT_EQ(failure.offset, offsetof(pvh::HvmStartInfo, cmdline_paddr));
}

TEST(PvhMalformed, CmdlineRunsIntoUnreadableMemory) {
  PvhImageBuilder builder;
  builder.terminate_cmdline = false;
  builder.modules.clear();
  builder.image_size = PvhImageBuilder::CMDLINE_OFFSET + 100;
  expect_error(parse(builder), BootInfoError::UnterminatedString);
}

TEST(PvhMalformed, CmdlinePointerUnreadable) {
  PvhImageBuilder builder;
  auto image = builder.build();
  fuzz::store_u64(image, 24, 0x10);
  const ScopedPhysImage phys(image);
  BootInfo info;
  const auto result = parse_pvh(phys.start_info(), SIM_PHYS_BASE, sim_read_phys, info);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().error, BootInfoError::Unreadable);
}

TEST(PvhMalformed, ModuleListUnreadableOrMissing) {
  PvhImageBuilder builder;
  auto image = builder.build();
  fuzz::store_u64(image, 16, 0);  // nr_modules = 1 but no list
  {
    const ScopedPhysImage phys(image);
    BootInfo info;
    const auto result = parse_pvh(phys.start_info(), SIM_PHYS_BASE, sim_read_phys, info);
    ASSERT_FALSE(result.has_value());
    EXPECT_EQ(result.error().error, BootInfoError::Unreadable);
  }
  fuzz::store_u64(image, 16, 0x1'0000'0000);
  const ScopedPhysImage phys(image);
  BootInfo info;
  const auto result = parse_pvh(phys.start_info(), SIM_PHYS_BASE, sim_read_phys, info);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().error, BootInfoError::Unreadable);
}

TEST(PvhMalformed, ModuleWrapsTheAddressSpace) {
  PvhImageBuilder builder;
  builder.modules = {{0xffff'ffff'ffff'f000ull, 0x2000, "wrap"}};
  expect_error(parse(builder), BootInfoError::BadModule);
}

}  // namespace
}  // namespace boot
