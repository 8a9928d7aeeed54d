// Parsing maps from dmesg text and JSON.
#include "tools/memmap/map_input.h"

#include <gtest/gtest.h>

#include <sstream>

#include "mm/memmap/firmware_types.h"
#include "tools/memmap/map_report.h"

namespace keel::memmap_tool {
namespace {

using mm::FirmwareMapKind;
using mm::FirmwareRegion;

bool same(const FirmwareRegion& a, const FirmwareRegion& b) {
  return a.base == b.base && a.length == b.length && a.type == b.type && a.kind == b.kind;
}

TEST(ParseDmesg, NewFormatWithTimestampsAndJunk) {
  const auto parsed = parse_dmesg(
      "[    0.000000] Linux version 6.1\n"
      "[    0.000000] BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable\n"
      "[    0.000000] e820: update [mem 0x00000000-0x00000fff] usable ==> reserved\n"
      "kernel: BIOS-e820: [mem 0x000000000009fc00-0x000000000009ffff] reserved\n"
      "BIOS-e820: [mem 0x00000000000e0000-0x00000000000fffff] ACPI data\n"
      "BIOS-e820: [mem 0x0000000000100000-0x0000000000100fff] ACPI NVS\n"
      "BIOS-e820: [mem 0x0000000000101000-0x0000000000101fff] unusable\n"
      "BIOS-e820: [mem 0x0000000100000000-0x00000001ffffffff] persistent (type 12)\n"
      "BIOS-e820: [mem 0x0000000200000000-0x0000000200000fff] type 20\n"
      "BIOS-e820: [mem 0x0000000300000000-0x0000000300000fff] soft reserved\r\n");
  ASSERT_TRUE(parsed.has_value()) << describe(parsed.error());
  const FirmwareRegion want[] = {
      {0x0, 0x9fc00, 1, FirmwareMapKind::E820},       {0x9fc00, 0x400, 2, FirmwareMapKind::E820},
      {0xe0000, 0x20000, 3, FirmwareMapKind::E820},   {0x100000, 0x1000, 4, FirmwareMapKind::E820},
      {0x101000, 0x1000, 5, FirmwareMapKind::E820},   {0x100000000, 0x100000000, 12, FirmwareMapKind::E820},
      {0x200000000, 0x1000, 20, FirmwareMapKind::E820}, {0x300000000, 0x1000, 0xefffffff, FirmwareMapKind::E820}};
  ASSERT_EQ(parsed->entries.size(), std::size(want));
  for (std::size_t i = 0; i < std::size(want); ++i) EXPECT_TRUE(same(parsed->entries[i], want[i])) << i;
  EXPECT_EQ(parsed->entry_lines, (std::vector<std::size_t>{2, 4, 5, 6, 7, 8, 9, 10}));
}

TEST(ParseDmesg, OldFormatHasExclusiveEnd) {
  const auto parsed = parse_dmesg(" BIOS-e820: 0000000000000000 - 000000000009f800 (usable)\n"
                                  " BIOS-e820: 000000007fff0000 - 000000007fff3000 (ACPI NVS)\n");
  ASSERT_TRUE(parsed.has_value());
  ASSERT_EQ(parsed->entries.size(), 2u);
  EXPECT_TRUE(same(parsed->entries[0], {0x0, 0x9f800, 1, FirmwareMapKind::E820}));
  EXPECT_TRUE(same(parsed->entries[1], {0x7fff0000, 0x3000, 4, FirmwareMapKind::E820}));
}

TEST(ParseDmesg, EfiLinesBothForms) {
  const auto parsed = parse_dmesg(
      "efi: mem00: [Boot Code   |   |  |  |  |  |  |  |  |   |WB|WT|WC|UC] range=[0x0000000000000000-0x0000000000000fff] (0MB)\n"
      "efi: mem01: type=7, attr=0xf, range=[0x0000000000001000-0x00000000000a0000) (0MB)\n"
      "efi: mem02: [MMIO        |RUN|  |  |  |  |  |  |  |   |  |  |  |UC] range=[0x00000000ffc00000-0x00000000ffffffff] (4MB)\n"
      "efi: EFI v2.70 by EDK II\n");
  ASSERT_TRUE(parsed.has_value()) << describe(parsed.error());
  ASSERT_EQ(parsed->entries.size(), 3u);
  EXPECT_TRUE(same(parsed->entries[0], {0x0, 0x1000, 3, FirmwareMapKind::Efi}));
  EXPECT_TRUE(same(parsed->entries[1], {0x1000, 0x9f000, 7, FirmwareMapKind::Efi}));
  EXPECT_TRUE(same(parsed->entries[2], {0xffc00000, 0x400000, 11, FirmwareMapKind::Efi}));
}

TEST(ParseDmesg, PrefersE820OverEfiLines) {
  const auto parsed = parse_dmesg(
      "efi: mem01: type=7, attr=0xf, range=[0x0000000000001000-0x00000000000a0000) (0MB)\n"
      "BIOS-e820: [mem 0x0000000000000000-0x000000000009ffff] usable\n");
  ASSERT_TRUE(parsed.has_value());
  ASSERT_EQ(parsed->entries.size(), 1u);
  EXPECT_EQ(parsed->entries[0].kind, FirmwareMapKind::E820);
  EXPECT_EQ(parsed->ignored_efi_entries, 1u);
}

TEST(ParseDmesg, MalformedEntryLinesAreErrorsNamingTheLine) {
  struct Case {
    const char* text;
    std::size_t line;
    const char* message;
  };
  const Case cases[] = {
      {"junk\nBIOS-e820: [mem 0x0-0xzz] usable\n", 2, "bad address"},
      {"BIOS-e820: [mem 0x0-0xfff] bogus\n", 1, "unknown e820 type name"},
      {"BIOS-e820: [mem 0x0-0xfff usable\n", 1, "missing ']'"},
      {"BIOS-e820: whatever\n", 1, "not an e820 entry"},
      {"BIOS-e820: [mem 0x2000-0x0fff] usable\n", 1, "entry wraps: end below base"},
      {"BIOS-e820: [mem 0x0-0xffffffffffffffff] usable\n", 1, "entry covers all of 2^64"},
      {"BIOS-e820: [mem 0x0-0x1ffffffffffffffff] usable\n", 1, "bad address"},
      {"a\nb\nefi: mem03: [Nonsense|] range=[0x0-0xfff] (0MB)\n", 3, "unknown EFI type"},
  };
  for (const Case& c : cases) {
    const auto parsed = parse_dmesg(c.text);
    ASSERT_FALSE(parsed.has_value()) << c.text;
    EXPECT_EQ(parsed.error().line, c.line) << c.text;
    EXPECT_EQ(parsed.error().message, c.message) << c.text;
  }
  EXPECT_EQ(describe(parse_dmesg("x\n  BIOS-e820: [mem 0x0-0xzz] usable  \n").error()),
            "line 2: bad address: BIOS-e820: [mem 0x0-0xzz] usable");
}

TEST(ParseJson, SampleFormatE820AndEfiNames) {
  const auto parsed = parse_map_text(R"({
  "source": "test",
  "entries": [
    {"base": "0x0000000000000000", "end_inclusive": "0x000000000009ffff", "type": "usable"},
    {"base": "0x100000", "end_inclusive": "0x1fffff", "type": "EfiBootServicesData"},
    {"base": 3145728, "end_inclusive": 3149823, "type": 4, "attributes": ["UC", "WB"]},
    {"base": "0x400000", "end_inclusive": "0x400fff", "type": "ACPI data"}
  ],
  "notes": "escaped \" quote and \\ backslash",
  "flag": true, "nothing": null
})");
  ASSERT_TRUE(parsed.has_value()) << describe(parsed.error());
  ASSERT_EQ(parsed->entries.size(), 4u);
  EXPECT_TRUE(same(parsed->entries[0], {0x0, 0xa0000, 1, FirmwareMapKind::E820}));
  EXPECT_TRUE(same(parsed->entries[1], {0x100000, 0x100000, 4, FirmwareMapKind::Efi}));
  EXPECT_TRUE(same(parsed->entries[2], {0x300000, 0x1000, 4, FirmwareMapKind::E820}));
  EXPECT_TRUE(same(parsed->entries[3], {0x400000, 0x1000, 3, FirmwareMapKind::E820}));
  EXPECT_EQ(parsed->entry_lines, (std::vector<std::size_t>{4, 5, 6, 7}));
}

TEST(ParseJson, ErrorsNameTheEntryLine) {
  const auto bad_type = parse_json_map("{\"entries\": [\n {\"base\": \"0x0\", \"end_inclusive\": \"0xfff\", \"type\": \"weird\"}\n]}");
  ASSERT_FALSE(bad_type.has_value());
  EXPECT_EQ(bad_type.error().line, 2u);
  EXPECT_EQ(bad_type.error().message, "entry has an unknown \"type\"");
  const auto wraps = parse_json_map("{\"entries\": [{\"base\": \"0x2000\", \"end_inclusive\": \"0xfff\", \"type\": \"usable\"}]}");
  ASSERT_FALSE(wraps.has_value());
  EXPECT_EQ(wraps.error().message, "entry wraps: end below base");
  EXPECT_FALSE(parse_json_map("{\"entries\": [").has_value());
  EXPECT_FALSE(parse_json_map("{\"other\": 1}").has_value());
  EXPECT_FALSE(parse_json_map("{\"entries\": []} trailing").has_value());
}

TEST(Report, JsonIsExact) {
  ParsedMap parsed;
  parsed.entries = {{0x0, 0x9fc00, 1, FirmwareMapKind::E820}, {0x100000, 0x1ff00000, 1, FirmwareMapKind::E820},
                    {0xfeffc000, 0x4000, 2, FirmwareMapKind::E820}};
  parsed.entry_lines = {1, 2, 3};
  std::ostringstream out, err;
  EXPECT_EQ(report_map(parsed, {.json = true}, out, err), kExitOk);
  EXPECT_EQ(out.str(),
            "{\"regions\":[{\"base\":0,\"end\":651264,\"type\":\"usable\"},"
            "{\"base\":1048576,\"end\":536870912,\"type\":\"usable\"},"
            "{\"base\":4278173696,\"end\":4278190080,\"type\":\"reserved\"}],"
            "\"usable_bytes\":536473600,\"max_usable_end\":536870912,"
            "\"meta\":{\"slots\":131072,\"backed_bytes\":8388608}}\n");
  EXPECT_EQ(err.str(), "memmap: warning: entry 0 usable [0x0, 0x9fc00): not page aligned, trimmed to [0x0, 0x9f000)\n");
}

TEST(Report, SanitizerErrorNamesTheSourceLine) {
  ParsedMap parsed;
  parsed.entries = {{0x0, 0x9fc00, 1, FirmwareMapKind::E820}, {0xfffffffffffff000, 0x2000, 2, FirmwareMapKind::E820}};
  parsed.entry_lines = {4, 9};
  std::ostringstream out, err;
  EXPECT_EQ(report_map(parsed, {.source_name = "log.txt"}, out, err), kExitBadMap);
  EXPECT_EQ(err.str(),
            "memmap: log.txt: line 9: EntryWraps: entry 1 (base 0xfffffffffffff000, length 0x2000) wraps past 2^64\n");
  EXPECT_TRUE(out.str().empty());
}

}  // namespace
}  // namespace keel::memmap_tool
