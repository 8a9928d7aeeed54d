#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "boot/boot_info.h"
#include "boot/fuzz/boot_blobs.h"
#include "mm/memmap/memory_map.h"
#include "mm/memmap/sanitize.h"
#include "lib/fmt/string_sink.h"

namespace boot {
namespace {

using fuzz::AlignedCopy;
using fuzz::GRUB_INFO_PADDR;
using fuzz::Multiboot2Builder;
using fuzz::store_u32;

constexpr std::uint32_t MAGIC = MULTIBOOT2_BOOTLOADER_MAGIC;

struct Parsed {
  std::unique_ptr<BootInfo> info = std::make_unique<BootInfo>();
  std::expected<void, BootInfoFailure> result;
};

Parsed parse(std::span<const std::byte> blob, std::uint32_t magic = MAGIC,
             std::uint64_t paddr = GRUB_INFO_PADDR) {
  const AlignedCopy copy(blob);  // exact size: ASan catches any over-read
  Parsed parsed;
  parsed.result = parse_multiboot2(magic, copy.span(), paddr, *parsed.info);
  return parsed;
}

// Expects failure with `error`; returns the failure for location checks.
BootInfoFailure expect_error(std::span<const std::byte> blob, BootInfoError error,
                             std::uint32_t magic = MAGIC) {
  const auto parsed = parse(blob, magic);
  EXPECT_FALSE(parsed.result.has_value());
  if (parsed.result.has_value()) return {};
  EXPECT_EQ(error_name(parsed.result.error().error), std::string_view(error_name(error)));
  return parsed.result.error();
}

std::string name_of(const std::array<char, 64>& name) { return name.data(); }

TEST(Multiboot2, GrubBiosBlock) {
  const auto blob = fuzz::grub_bios_blob();
  const auto parsed = parse(blob);
  ASSERT_TRUE(parsed.result.has_value()) << error_name(parsed.result.error().error);
  const BootInfo& info = *parsed.info;
  EXPECT_EQ(info.path, BootPath::Multiboot2Bios);
  EXPECT_EQ(info.command_line(), "/boot/keel.elf console=ttyS0 ktest");
  EXPECT_FALSE(info.cmdline_truncated);
  EXPECT_EQ(name_of(info.loader_name), "GRUB 2.06");
  ASSERT_EQ(info.memory_map_count, 7u);
  EXPECT_EQ(info.e820_count, 7u);
  EXPECT_FALSE(info.memory_map_truncated);
  const auto regions = info.regions();
  EXPECT_EQ(regions[0].base, 0u);
  EXPECT_EQ(regions[0].length, 0x9fc00u);
  EXPECT_EQ(regions[0].type, 1u);
  EXPECT_EQ(regions[3].base, 0x100000u);
  EXPECT_EQ(regions[3].length, 0x1fee0000u);
  EXPECT_EQ(regions[6].base, 0xfffc0000u);
  for (const auto& r : regions) EXPECT_EQ(r.kind, mm::memmap::FirmwareMapKind::E820);
  EXPECT_TRUE(info.framebuffer.present());
  EXPECT_EQ(info.framebuffer.paddr, 0xfd000000u);
  EXPECT_EQ(info.framebuffer.width, 1024u);
  EXPECT_EQ(info.framebuffer.height, 768u);
  EXPECT_EQ(info.framebuffer.pitch, 4096u);
  EXPECT_EQ(info.framebuffer.bpp, 32);
  EXPECT_EQ(info.framebuffer.type, 1);
  EXPECT_EQ(info.framebuffer.red_pos, 16);
  EXPECT_EQ(info.framebuffer.red_size, 8);
  EXPECT_EQ(info.framebuffer.green_pos, 8);
  EXPECT_EQ(info.framebuffer.blue_pos, 0);
  EXPECT_EQ(info.framebuffer.blue_size, 8);
  EXPECT_EQ(info.acpi_rsdp_revision, 0);
  // The RSDP copy is inside tag 14: the pointer lands in the block, on "RSD PTR ".
  ASSERT_NE(info.acpi_rsdp_paddr, 0u);
  const std::uint64_t rsdp_offset = info.acpi_rsdp_paddr - GRUB_INFO_PADDR;
  ASSERT_LT(rsdp_offset + 8, blob.size());
  EXPECT_EQ(std::memcmp(blob.data() + rsdp_offset, "RSD PTR ", 8), 0);
  EXPECT_EQ(info.info_paddr, GRUB_INFO_PADDR);
  EXPECT_EQ(info.info_size, blob.size());
  EXPECT_EQ(info.efi_system_table, 0u);
  EXPECT_EQ(info.module_count, 0u);
}

TEST(Multiboot2, GrubUefiBlockKeepsTheEfiMap) {
  const auto blob = fuzz::grub_uefi_blob();
  const auto parsed = parse(blob);
  ASSERT_TRUE(parsed.result.has_value()) << error_name(parsed.result.error().error);
  const BootInfo& info = *parsed.info;
  EXPECT_EQ(info.path, BootPath::Multiboot2Uefi);
  EXPECT_EQ(info.command_line(), "console=ttyS0 mm.check");
  EXPECT_EQ(info.efi_system_table, 0x7f9ee018u);
  ASSERT_EQ(info.memory_map_count, 9u);
  EXPECT_EQ(info.e820_count, 3u);
  for (const auto& r : info.regions()) EXPECT_EQ(r.kind, mm::memmap::FirmwareMapKind::Efi);
  EXPECT_EQ(info.memory_map[1].base, 0x1000u);
  EXPECT_EQ(info.memory_map[1].length, 0x9f000u);
  EXPECT_EQ(info.memory_map[1].type, 7u);
  EXPECT_EQ(info.memory_map[8].base, 0xffc00000u);
  EXPECT_EQ(info.memory_map[8].length, 0x400000u);
  EXPECT_FALSE(info.memory_map_clamped);
  // Tag 15 comes before tag 14 in this block; the ACPI 2.0 copy must still win.
  EXPECT_EQ(info.acpi_rsdp_revision, 2);
  const std::uint64_t rsdp_offset = info.acpi_rsdp_paddr - GRUB_INFO_PADDR;
  ASSERT_LT(rsdp_offset, blob.size());
  EXPECT_EQ(fuzz::load_u32(blob, rsdp_offset - 8), 15u);  // the tag header before it
}

TEST(Multiboot2, NewRsdpWinsWhateverTheOrder) {
  const auto blob = Multiboot2Builder()
                        .mmap({{0x100000, 0x100000, 1}})
                        .acpi_rsdp(false)
                        .acpi_rsdp(true)
                        .acpi_rsdp(false)
                        .end()
                        .finish();
  const auto parsed = parse(blob);
  ASSERT_TRUE(parsed.result.has_value());
  EXPECT_EQ(parsed.info->acpi_rsdp_revision, 2);
  EXPECT_EQ(fuzz::load_u32(blob, parsed.info->acpi_rsdp_paddr - GRUB_INFO_PADDR - 8), 15u);
}

TEST(Multiboot2, EfiSystemTableAloneMeansUefi) {
  const auto blob = Multiboot2Builder()
                        .mmap({{0x100000, 0x100000, 1}})
                        .efi64_system_table(0x1234000)
                        .end()
                        .finish();
  const auto parsed = parse(blob);
  ASSERT_TRUE(parsed.result.has_value());
  EXPECT_EQ(parsed.info->path, BootPath::Multiboot2Uefi);
  EXPECT_EQ(parsed.info->memory_map[0].kind, mm::memmap::FirmwareMapKind::E820);
  const std::uint32_t efi32[] = {0xabc000};
  const auto blob32 = Multiboot2Builder()
                          .mmap({{0x100000, 0x100000, 1}})
                          .tag(11, std::as_bytes(std::span(efi32)))
                          .end()
                          .finish();
  const auto parsed32 = parse(blob32);
  ASSERT_TRUE(parsed32.result.has_value());
  EXPECT_EQ(parsed32.info->efi_system_table, 0xabc000u);
  EXPECT_EQ(parsed32.info->path, BootPath::Multiboot2Uefi);
}

TEST(Multiboot2, ModulesAndTheirNames) {
  auto builder = Multiboot2Builder();
  builder.mmap({{0x100000, 0x100000, 1}}).module(0x300000, 0x301000, "initrd.img");
  builder.module(0x400000, 0x400000, std::string(100, 'n'));  // empty module, long name
  const auto blob = builder.end().finish();
  const auto parsed = parse(blob);
  ASSERT_TRUE(parsed.result.has_value());
  ASSERT_EQ(parsed.info->module_count, 2u);
  EXPECT_EQ(parsed.info->modules[0].start, 0x300000u);
  EXPECT_EQ(parsed.info->modules[0].end, 0x301000u);
  EXPECT_EQ(name_of(parsed.info->modules[0].name), "initrd.img");
  EXPECT_FALSE(parsed.info->modules[0].name_truncated);
  EXPECT_EQ(name_of(parsed.info->modules[1].name), std::string(63, 'n'));
  EXPECT_TRUE(parsed.info->modules[1].name_truncated);
  EXPECT_FALSE(parsed.info->modules_truncated);
}

TEST(Multiboot2, TooManyModulesAreCounted) {
  auto builder = Multiboot2Builder();
  builder.mmap({{0x100000, 0x100000, 1}});
  for (std::uint32_t i = 0; i < MAX_MODULES + 2; ++i) builder.module(i * 0x1000, i * 0x1000 + 1, "m");
  const auto parsed = parse(builder.end().finish());
  ASSERT_TRUE(parsed.result.has_value());
  EXPECT_EQ(parsed.info->module_count, MAX_MODULES);
  EXPECT_TRUE(parsed.info->modules_truncated);
}

TEST(Multiboot2, ModuleEndingBeforeItStarts) {
  const auto blob =
      Multiboot2Builder().mmap({{0, 0x1000, 1}}).module(0x2000, 0x1000, "x").end().finish();
  expect_error(blob, BootInfoError::BadModule);
}

TEST(Multiboot2, LongStringsAreTruncatedWithTheFlag) {
  const std::string long_cmdline(MAX_CMDLINE + 50, 'c');
  const std::string long_name(200, 'g');
  const auto blob = Multiboot2Builder()
                        .cmdline(long_cmdline)
                        .loader_name(long_name)
                        .mmap({{0x100000, 0x100000, 1}})
                        .end()
                        .finish();
  const auto parsed = parse(blob);
  ASSERT_TRUE(parsed.result.has_value());
  EXPECT_TRUE(parsed.info->cmdline_truncated);
  EXPECT_EQ(parsed.info->command_line(), std::string(MAX_CMDLINE - 1, 'c'));
  EXPECT_TRUE(parsed.info->loader_name_truncated);
  EXPECT_EQ(name_of(parsed.info->loader_name), std::string(63, 'g'));
}

TEST(Multiboot2, TooManyRegionsAreTruncated) {
  Multiboot2Builder builder;
  std::vector<std::byte> payload;
  fuzz::store_u32(payload, 0, 24);
  fuzz::store_u32(payload, 4, 0);
  for (std::size_t i = 0; i < MAX_MEMORY_REGIONS + 10; ++i) {
    fuzz::store_u64(payload, 8 + i * 24, i * 0x2000);
    fuzz::store_u64(payload, 16 + i * 24, 0x1000);
    fuzz::store_u32(payload, 24 + i * 24, 1);
    fuzz::store_u32(payload, 28 + i * 24, 0);
  }
  const auto parsed = parse(builder.tag(6, payload).end().finish());
  ASSERT_TRUE(parsed.result.has_value());
  EXPECT_EQ(parsed.info->memory_map_count, MAX_MEMORY_REGIONS);
  EXPECT_EQ(parsed.info->e820_count, MAX_MEMORY_REGIONS + 10);
  EXPECT_TRUE(parsed.info->memory_map_truncated);
  EXPECT_EQ(parsed.info->memory_map[MAX_MEMORY_REGIONS - 1].base, (MAX_MEMORY_REGIONS - 1) * 0x2000);
}

TEST(Multiboot2, MmapWithLargerStride) {
  const auto blob =
      Multiboot2Builder().mmap({{0x1000, 0x2000, 1}, {0x5000, 0x1000, 3}}, 32).end().finish();
  const auto parsed = parse(blob);
  ASSERT_TRUE(parsed.result.has_value());
  ASSERT_EQ(parsed.info->memory_map_count, 2u);
  EXPECT_EQ(parsed.info->memory_map[1].base, 0x5000u);
  EXPECT_EQ(parsed.info->memory_map[1].type, 3u);
}

TEST(Multiboot2, EfiPageCountOverflowIsSaturatedAndMarked) {
  const auto blob = Multiboot2Builder()
                        .efi_mmap({{7, 0x100000, 0x100, 0xf},
                                   {7, 0x200000, 0x0010'0000'0000'0000ull, 0xf},  // * 4096 wraps
                                   {7, 0xffff'ffff'ffff'0000ull, 0x100, 0xf}})  // end wraps
                        .end()
                        .finish();
  const auto parsed = parse(blob);
  ASSERT_TRUE(parsed.result.has_value());
  EXPECT_TRUE(parsed.info->memory_map_clamped);
  ASSERT_EQ(parsed.info->memory_map_count, 3u);
  EXPECT_EQ(parsed.info->memory_map[0].length, 0x100000u);
  EXPECT_FALSE(parsed.info->memory_map[0].length_saturated);
  // The byte count does not fit 64 bits: it cannot be passed as given, so it is marked.
  EXPECT_EQ(parsed.info->memory_map[1].length, ~0ull);
  EXPECT_TRUE(parsed.info->memory_map[1].length_saturated);
  // Only the end wraps: passed as given, like an e820 entry; the sanitizer owns the policy.
  EXPECT_EQ(parsed.info->memory_map[2].length, 0x100000u);
  EXPECT_FALSE(parsed.info->memory_map[2].length_saturated);
  EXPECT_EQ(parsed.info->path, BootPath::Multiboot2Uefi);
  EXPECT_EQ(parsed.info->e820_count, 0u);
}

// The one policy for broken entries, end to end: whatever the tag, an entry running past
// 2^64 is dropped (usable) or kept to the physical limit (other types) with a warning
// naming it, and boot goes on with the rest of the map.
std::vector<std::string> sanitize_warnings(const BootInfo& info) {
  auto map = std::make_unique<mm::memmap::MemoryMap>();
  mm::memmap::MapWarnings warnings;
  const auto result = mm::memmap::sanitize_memory_map(info.regions(), {}, *map, warnings);
  EXPECT_TRUE(result.has_value()) << keel::fmt::to_text(result.error());
  std::vector<std::string> out;
  for (const mm::memmap::MapWarning& w : warnings.list()) out.push_back(keel::fmt::to_text(w));
  return out;
}

TEST(Multiboot2BrokenEntries, WrappingE820EntryIsWarnedAboutNotFatal) {
  const auto blob = Multiboot2Builder()
                        .mmap({{0x0, 0x9f000, 1},
                               {0x100000, 0x1ff00000, 1},
                               {0xffff'ffff'ffff'0000ull, 0x20000, 2}})
                        .end()
                        .finish();
  const auto parsed = parse(blob);
  ASSERT_TRUE(parsed.result.has_value());
  EXPECT_FALSE(parsed.info->memory_map_clamped);
  EXPECT_EQ(parsed.info->memory_map[2].length, 0x20000u);  // as the loader gave it
  EXPECT_EQ(sanitize_warnings(*parsed.info),
            std::vector<std::string>{"entry 2 reserved [0xffffffffffff0000, 2^64 + 0x10000): runs "
                                     "past 2^64; starts above the physical address limit "
                                     "0x400000000000, ignored"});
}

TEST(Multiboot2BrokenEntries, BothKindsOfBrokenEfiEntryAreWarnedAboutNotFatal) {
  const auto blob = Multiboot2Builder()
                        .efi_mmap({{7, 0x100000, 0x100, 0xf},
                                   {7, 0x200000, 0x0010'0000'0000'0000ull, 0xf},
                                   {0, 0xffff'ffff'ffff'0000ull, 0x100, 0xf}})
                        .end()
                        .finish();
  const auto parsed = parse(blob);
  ASSERT_TRUE(parsed.result.has_value());
  EXPECT_EQ(sanitize_warnings(*parsed.info),
            (std::vector<std::string>{
                "entry 1 usable [0x200000, past 2^64): length does not fit 64 bits; usable RAM "
                "with a broken length is not trusted, ignored",
                "entry 2 reserved [0xffffffffffff0000, 2^64 + 0xf0000): runs past 2^64; starts "
                "above the physical address limit 0x400000000000, ignored"}));
}

TEST(Multiboot2, UnknownTagsAreSkipped) {
  const std::byte junk[13] = {};
  const auto blob =
      Multiboot2Builder().tag(0x7777, junk).mmap({{0, 0x1000, 1}}).tag(9, junk).end().finish();
  EXPECT_TRUE(parse(blob).result.has_value());
}

TEST(Multiboot2, SpanLongerThanTotalSizeIsFine) {
  auto blob = fuzz::grub_bios_blob();
  const std::size_t total = blob.size();
  blob.resize(total + 64, std::byte{0xee});
  const auto parsed = parse(blob);
  ASSERT_TRUE(parsed.result.has_value());
  EXPECT_EQ(parsed.info->info_size, total);
}

// ---- Malformed blocks: each must fail with its exact error -----------------------------

TEST(Multiboot2Malformed, BadMagic) {
  const auto failure = expect_error(fuzz::grub_bios_blob(), BootInfoError::BadMagic, 0x2badb002);
  EXPECT_EQ(failure.offset, 0u);
}

TEST(Multiboot2Malformed, Misaligned) {
  const auto blob = fuzz::grub_bios_blob();
  std::vector<std::byte> shifted(blob.size() + 8);
  std::memcpy(shifted.data() + 4, blob.data(), blob.size());
  BootInfo info;
  const std::span<const std::byte> misaligned(shifted.data() + 4, blob.size());
  ASSERT_NE(reinterpret_cast<std::uintptr_t>(misaligned.data()) % 8, 0u);
  auto result = parse_multiboot2(MAGIC, misaligned, GRUB_INFO_PADDR, info);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().error, BootInfoError::Misaligned);
  // An aligned pointer but a misaligned physical address is just as wrong.
  const AlignedCopy copy(blob);
  result = parse_multiboot2(MAGIC, copy.span(), GRUB_INFO_PADDR + 4, info);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().error, BootInfoError::Misaligned);
}

TEST(Multiboot2Malformed, SpanShorterThanHeader) {
  const auto blob = fuzz::grub_bios_blob();
  expect_error(std::span(blob).first(4), BootInfoError::TooSmall);
  expect_error({}, BootInfoError::TooSmall);
}

TEST(Multiboot2Malformed, TotalSizeLargerThanSpan) {
  auto blob = fuzz::grub_bios_blob();
  store_u32(blob, 0, static_cast<std::uint32_t>(blob.size() + 8));
  expect_error(blob, BootInfoError::TruncatedTag);
}

TEST(Multiboot2Malformed, TotalSizeBelowHeader) {
  auto blob = fuzz::grub_bios_blob();
  store_u32(blob, 0, 7);
  expect_error(blob, BootInfoError::TooSmall);
  store_u32(blob, 0, 0);
  expect_error(blob, BootInfoError::TooSmall);
}

TEST(Multiboot2Malformed, TotalSizeWithoutRoomForEndTag) {
  auto blob = fuzz::grub_bios_blob();
  store_u32(blob, 0, 12);
  expect_error(blob, BootInfoError::MissingEnd);
}

TEST(Multiboot2Malformed, TagRunsPastTotalSize) {
  auto blob = Multiboot2Builder().cmdline("abc").mmap({{0, 0x1000, 1}}).end().finish();
  store_u32(blob, 12, 4096);  // the cmdline tag's size
  const auto failure = expect_error(blob, BootInfoError::TruncatedTag);
  EXPECT_EQ(failure.offset, 8u);
  EXPECT_EQ(failure.tag_type, 1u);
  EXPECT_EQ(failure.paddr, GRUB_INFO_PADDR + 8);
}

TEST(Multiboot2Malformed, TagSizeSmallerThanHeader) {
  for (const std::uint32_t size : {0u, 4u, 7u}) {
    auto blob = Multiboot2Builder().cmdline("abc").mmap({{0, 0x1000, 1}}).end().finish();
    store_u32(blob, 12, size);
    const auto failure = expect_error(blob, BootInfoError::BadTagSize);
    EXPECT_EQ(failure.offset, 8u);
  }
}

TEST(Multiboot2Malformed, FixedPayloadMissing) {
  // Tags whose size covers the header but not their fixed fields.
  const std::span<const std::byte> none;
  for (const std::uint32_t type : {3u, 6u, 8u, 11u, 12u, 14u, 15u, 17u}) {
    const auto blob = Multiboot2Builder().mmap({{0, 0x1000, 1}}).tag(type, none).end().finish();
    const auto failure = expect_error(blob, BootInfoError::BadTagSize);
    EXPECT_EQ(failure.tag_type, type);
  }
}

TEST(Multiboot2Malformed, RgbFramebufferWithoutColourInfo) {
  std::vector<std::byte> payload(24);
  payload[21] = std::byte{1};
  const auto blob = Multiboot2Builder().mmap({{0, 0x1000, 1}}).tag(8, payload).end().finish();
  expect_error(blob, BootInfoError::BadTagSize);
}

TEST(Multiboot2Malformed, MissingEndTag) {
  const auto blob = Multiboot2Builder().cmdline("abc").mmap({{0, 0x1000, 1}}).finish();
  expect_error(blob, BootInfoError::MissingEnd);
}

TEST(Multiboot2Malformed, EndTagWithWrongSize) {
  const std::byte payload[8] = {};
  const auto blob = Multiboot2Builder().mmap({{0, 0x1000, 1}}).tag(0, payload).finish();
  expect_error(blob, BootInfoError::BadTagSize);
}

TEST(Multiboot2Malformed, MmapEntrySizeZero) {
  const auto blob = Multiboot2Builder().mmap({}, 0).end().finish();
  const auto failure = expect_error(blob, BootInfoError::BadEntrySize);
  EXPECT_EQ(failure.tag_type, 6u);
}

TEST(Multiboot2Malformed, MmapEntrySizeTwenty) {
  const auto blob = Multiboot2Builder().mmap({{0, 0x1000, 1}}, 20).end().finish();
  expect_error(blob, BootInfoError::BadEntrySize);
}

TEST(Multiboot2Malformed, MmapEntrySizeNotMultipleOf8) {
  const auto blob = Multiboot2Builder().mmap({{0, 0x1000, 1}}, 28).end().finish();
  expect_error(blob, BootInfoError::BadEntrySize);
}

TEST(Multiboot2Malformed, MmapEntryVersion) {
  const auto blob = Multiboot2Builder().mmap({{0, 0x1000, 1}}, 24, 1).end().finish();
  expect_error(blob, BootInfoError::BadVersion);
}

TEST(Multiboot2Malformed, EfiDescriptorSizeTooSmall) {
  const auto blob = Multiboot2Builder().efi_mmap({{7, 0, 1, 0}}, 32).end().finish();
  const auto failure = expect_error(blob, BootInfoError::BadEntrySize);
  EXPECT_EQ(failure.tag_type, 17u);
}

TEST(Multiboot2Malformed, UnterminatedCmdline) {
  const auto blob =
      Multiboot2Builder().string_tag(1, "console=ttyS0", false).mmap({{0, 0x1000, 1}}).end().finish();
  const auto failure = expect_error(blob, BootInfoError::UnterminatedString);
  EXPECT_EQ(failure.tag_type, 1u);
}

TEST(Multiboot2Malformed, UnterminatedLoaderNameAndModule) {
  expect_error(
      Multiboot2Builder().string_tag(2, "GRUB", false).mmap({{0, 0x1000, 1}}).end().finish(),
      BootInfoError::UnterminatedString);
  std::vector<std::byte> module(8);  // start, end and no string at all
  expect_error(Multiboot2Builder().mmap({{0, 0x1000, 1}}).tag(3, module).end().finish(),
               BootInfoError::UnterminatedString);
}

TEST(Multiboot2Malformed, NoMemoryMap) {
  const auto blob = Multiboot2Builder().cmdline("x").basic_meminfo(640, 1024).end().finish();
  expect_error(blob, BootInfoError::NoMemoryMap);
}

TEST(Multiboot2Malformed, EmptyMemoryMaps) {
  expect_error(Multiboot2Builder().mmap({}).end().finish(), BootInfoError::NoMemoryMap);
  expect_error(Multiboot2Builder().efi_mmap({}).end().finish(), BootInfoError::NoMemoryMap);
}

TEST(Multiboot2, EmptyEfiMapFallsBackToE820) {
  const auto parsed =
      parse(Multiboot2Builder().mmap({{0, 0x1000, 1}}).efi_mmap({}).end().finish());
  ASSERT_TRUE(parsed.result.has_value());
  EXPECT_EQ(parsed.info->memory_map_count, 1u);
  EXPECT_EQ(parsed.info->memory_map[0].kind, mm::memmap::FirmwareMapKind::E820);
  EXPECT_EQ(parsed.info->path, BootPath::Multiboot2Uefi);
}

TEST(Multiboot2Malformed, FailureResetsPreviousContents) {
  BootInfo info;
  info.memory_map_count = 3;
  info.cmdline[0] = 'z';
  const AlignedCopy copy(fuzz::grub_bios_blob());
  ASSERT_FALSE(parse_multiboot2(0, copy.span(), GRUB_INFO_PADDR, info).has_value());
  EXPECT_EQ(info.memory_map_count, 0u);
  EXPECT_EQ(info.command_line(), "");
}

}  // namespace
}  // namespace boot
