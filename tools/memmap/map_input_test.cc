// Parsing maps from dmesg text and JSON.
#include "tools/memmap/map_input.h"

#include <gtest/gtest.h>

#include <sstream>

#include "mm/memmap/firmware_types.h"
#include "tools/memmap/map_report.h"

namespace tools::memmap {
namespace {

using mm::memmap::FirmwareMapKind;
using mm::memmap::FirmwareRegion;

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
      {"BIOS-e820: [mem 0x0-0x1ffffffffffffffff] usable\n", 1, "bad address"},
      {"a\nb\nefi: mem03: [Nonsense|] range=[0x0-0xfff] (0MB)\n", 3, "unknown EFI type"},
  };
  for (const Case& c : cases) {
    const auto parsed = parse_dmesg(c.text);
    ASSERT_FALSE(parsed.has_value()) << c.text;
    ASSERT_EQ(parsed.error().size(), 1u) << c.text;
    EXPECT_EQ(parsed.error()[0].line, c.line) << c.text;
    EXPECT_EQ(parsed.error()[0].message, c.message) << c.text;
  }
  EXPECT_EQ(describe(parse_dmesg("x\n  BIOS-e820: [mem 0x0-0xzz] usable  \n").error()),
            "line 2: bad address: BIOS-e820: [mem 0x0-0xzz] usable");
}

// ---- Every form Linux has printed (arch/x86/kernel/e820.c, drivers/firmware/efi/efi.c,
// arch/x86/platform/efi/efi.c), with the prefixes logs carry. ---------------------------

TEST(ParseDmesg, LogLevelsSyslogPrefixesAndNoTimestamps) {
  const auto parsed = parse_dmesg(
      "<6>[    0.000000] BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable\n"
      "<6>BIOS-e820: [mem 0x000000000009fc00-0x000000000009ffff] reserved\n"
      "Jan 01 00:00:00 host kernel: BIOS-e820: [mem 0x0000000000100000-0x000000001fffffff] usable\n"
      "kern  :info  : [    0.000000] BIOS-e820: [mem 0x00000000fffc0000-0x00000000ffffffff] reserved\n");
  ASSERT_TRUE(parsed.has_value()) << describe(parsed.error());
  ASSERT_EQ(parsed->entries.size(), 4u);
  EXPECT_TRUE(same(parsed->entries[2], {0x100000, 0x1ff00000, 1, FirmwareMapKind::E820}));
  EXPECT_TRUE(same(parsed->entries[3], {0xfffc0000, 0x40000, 2, FirmwareMapKind::E820}));
  EXPECT_EQ(parsed->source, "BIOS-e820");
}

TEST(ParseDmesg, EveryFirmwareTableName) {
  for (const char* source : {"BIOS-e820", "BIOS-88", "BIOS-e801", "Xen", "LGUEST", "user", "e820"}) {
    const std::string text = std::string("[    0.000000] ") + source +
                             ": [mem 0x0000000000000000-0x000000000009ffff] usable\n" + source +
                             ": 0000000000100000 - 0000000000200000 (usable)\n";
    const auto parsed = parse_dmesg(text);
    ASSERT_TRUE(parsed.has_value()) << source << ": " << describe(parsed.error());
    ASSERT_EQ(parsed->entries.size(), 2u) << source;
    EXPECT_TRUE(same(parsed->entries[1], {0x100000, 0x100000, 1, FirmwareMapKind::E820})) << source;
    EXPECT_EQ(parsed->source, source);
  }
}

TEST(ParseDmesg, TypeNamesOfEveryEra) {
  struct Case {
    const char* type_text;
    std::uint32_t type;
  };
  const Case cases[] = {
      {"usable", 1}, {"System RAM", 1}, {"kernel usable RAM", 1}, {"usable; crypto-capable", 1},
      {"reserved", 2}, {"device reserved", 2}, {"Device reserved", 2}, {"Unknown E820 type", 2},
      {"ACPI data", 3}, {"ACPI tables", 3}, {"ACPI NVS", 4}, {"ACPI non-volatile storage", 4},
      {"unusable", 5}, {"Unusable memory", 5}, {"persistent (type 12)", 12},
      {"persistent RAM (type 7)", 7}, {"Persistent memory (legacy)", 12}, {"Persistent memory", 7},
      {"soft reserved", 0xefffffff}, {"type 20", 20}, {"Type 13", 13},
      // The size column of the 2025 rework, before the type.
      {" 639   KB System RAM", 1}, {"   1.9 GB kernel usable RAM", 1}, {"1005.1 MB device reserved", 2},
      {"  12   GB reserved", 2},
  };
  for (const Case& c : cases) {
    const std::string line = std::string("BIOS-e820: [mem 0x0000000000100000-0x00000000001fffff] ") + c.type_text;
    const auto parsed = parse_dmesg(line);
    ASSERT_TRUE(parsed.has_value()) << line << ": " << describe(parsed.error());
    EXPECT_TRUE(same(parsed->entries[0], {0x100000, 0x100000, c.type, FirmwareMapKind::E820})) << line;
  }
  // The older form: parenthesized names, and a bare "type N" for numbers it had no name for.
  const auto old = parse_dmesg(" BIOS-e820: 00000000fed00000 - 00000000fed00400 type 20\n"
                               " BIOS-e820: 0000000000100000 - 0000000000200000 (ACPI data)\n"
                               " BIOS-e820: 0000000000200000 - 0000000000300000 (unusable)\n");
  ASSERT_TRUE(old.has_value()) << describe(old.error());
  EXPECT_TRUE(same(old->entries[0], {0xfed00000, 0x400, 20, FirmwareMapKind::E820}));
  EXPECT_TRUE(same(old->entries[1], {0x100000, 0x100000, 3, FirmwareMapKind::E820}));
  EXPECT_TRUE(same(old->entries[2], {0x200000, 0x100000, 5, FirmwareMapKind::E820}));
}

TEST(ParseDmesg, GapLinesAreHolesNotEntries) {
  const auto parsed = parse_dmesg(
      "BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff]  639   KB System RAM\n"
      "BIOS-e820: [gap 0x00000000000a0000-0x00000000000effff]  320   KB ...\n"
      "BIOS-e820: [mem 0x00000000000f0000-0x00000000000fffff]   64   KB device reserved\n"
      "e820: [gap 0x00000000c0000000-0x00000000fed1bfff] available for PCI devices\n"
      "e820: [mem 0xc0000000-0xfebfffff] available for PCI devices\n");
  ASSERT_TRUE(parsed.has_value()) << describe(parsed.error());
  ASSERT_EQ(parsed->entries.size(), 2u);
  EXPECT_EQ(parsed->entry_lines, (std::vector<std::size_t>{1, 3}));
}

TEST(ParseDmesg, LaterTablesAreLinuxsEditsAndAreIgnored) {
  const auto parsed = parse_dmesg(
      "BIOS-provided physical RAM map:\n"
      "BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable\n"
      "BIOS-e820: [mem 0x0000000000100000-0x00000000bfffffff] usable\n"
      "e820: update [mem 0x00000000-0x00000fff] usable ==> reserved\n"
      "user-defined physical RAM map:\n"
      "user: [mem 0x0000000000000000-0x000000000009fbff] usable\n"
      "user: [mem 0x0000000000100000-0x000000003fffffff] usable\n"
      "extended physical RAM map:\n"
      "reserve setup_data: [mem 0x0000000000000000-0x000000000009fbff] usable\n"
      "modified physical RAM map:\n"
      "modified: [mem 0x0000000000000000-0x0000000000000fff] reserved\n"
      "BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable\n");  // a second boot
  ASSERT_TRUE(parsed.has_value()) << describe(parsed.error());
  EXPECT_EQ(parsed->source, "BIOS-e820");
  ASSERT_EQ(parsed->entries.size(), 2u);
  EXPECT_TRUE(same(parsed->entries[1], {0x100000, 0xbff00000, 1, FirmwareMapKind::E820}));
  ASSERT_EQ(parsed->ignored_tables.size(), 4u);
  EXPECT_EQ(parsed->ignored_tables[0].source, "user");
  EXPECT_EQ(parsed->ignored_tables[0].entries, 2u);
  EXPECT_EQ(parsed->ignored_tables[1].source, "reserve setup_data");
  EXPECT_EQ(parsed->ignored_tables[2].source, "modified");
  EXPECT_EQ(parsed->ignored_tables[3].source, "BIOS-e820");
}

TEST(ParseDmesg, EfiNamesOfEveryEraAndNumbers) {
  const auto parsed = parse_dmesg(
      "[    0.000000] efi: mem00: [Conventional|   |  |  |  |  |  |  |  |  |   |WB|WT|WC|UC] range=[0x0000000000001000-0x000000000009ffff] (0MB)\n"
      "[    0.000000] efi: mem01: [Conventional Memory|   |  |  |  |  |  |  |   |WB|WT|WC|UC] range=[0x0000000000100000-0x00000000007fffff] (7MB)\n"
      "[    0.000000] efi: mem02: [ACPI Memory NVS|   |  |  |  |  |  |  |   |WB|WT|WC|UC] range=[0x0000000000800000-0x0000000000807fff] (0MB)\n"
      "[    0.000000] efi: mem03: [Memory Mapped I/O|RUN|  |  |  |  |  |  |   |  |  |  |UC] range=[0x00000000ffc00000-0x00000000ffffffff] (4MB)\n"
      "[    0.000000] efi: mem04: [type=16     |attr=0x0000000000000000] range=[0x0000000100000000-0x0000000100000fff] (0MB)\n"
      "[    0.000000] efi: mem05: [Unaccepted  |   |  |  |  |  |  |  |  |  |   |WB|WT|WC|UC] range=[0x0000000100001000-0x0000000100001fff] (0MB)\n"
      "[    0.000000] EFI: mem06: type=9, attr=0xf, range=[0x0000000000810000-0x0000000000820000) (0MB)\n"
      "[    0.000000] mem07: type=7, attr=0xf, range=[0x0000000000900000-0x0000000000a00000) (1MB)\n"
      "[    0.000000] efi: mem100: [Boot Data   |   |  |  |  |  |  |  |  |  |   |WB|WT|WC|UC] range=[0x0000000000a00000-0x0000000000a00fff] (0MB)\n");
  ASSERT_TRUE(parsed.has_value()) << describe(parsed.error());
  const FirmwareRegion want[] = {
      {0x1000, 0x9f000, 7, FirmwareMapKind::Efi},        {0x100000, 0x700000, 7, FirmwareMapKind::Efi},
      {0x800000, 0x8000, 10, FirmwareMapKind::Efi},      {0xffc00000, 0x400000, 11, FirmwareMapKind::Efi},
      {0x100000000, 0x1000, 16, FirmwareMapKind::Efi},   {0x100001000, 0x1000, 15, FirmwareMapKind::Efi},
      {0x810000, 0x10000, 9, FirmwareMapKind::Efi},      {0x900000, 0x100000, 7, FirmwareMapKind::Efi},
      {0xa00000, 0x1000, 4, FirmwareMapKind::Efi}};
  ASSERT_EQ(parsed->entries.size(), std::size(want));
  for (std::size_t i = 0; i < std::size(want); ++i) EXPECT_TRUE(same(parsed->entries[i], want[i])) << i;
  EXPECT_EQ(parsed->source, "efi");
  // Lines that only mention a descriptor are not entries.
  EXPECT_FALSE(parse_dmesg("efi: Remove mem49: MMIO range=[0xff000000-0xffffffff] (16MB) from e820 map\n")
                   .has_value());
}

TEST(ParseDmesg, EfiEndPrintedPast2To64IsReadAsRunningPastIt) {
  // efi_memmap sanity check: "(invalid)" descriptors, their end printed with the bits above
  // 2^64 in front.
  const auto parsed = parse_dmesg(
      "efi: mem00: [Conventional|   |  |  |  |  |  |  |  |  |   |WB|WT|WC|UC] range=[0x0000000000100000-0x00000000001fffff] (1MB)\n"
      "efi: mem01: [Conventional|   |  |  |  |  |  |  |  |  |   |WB|WT|WC|UC] range=[0xfffffffffff00000-0x10000000000000fff] (invalid)\n"
      "efi: mem02: [Reserved    |   |  |  |  |  |  |  |  |  |   |  |  |  |  ] range=[0x0000000000200000-0x1ffffffffffffffff] (invalid)\n");
  ASSERT_TRUE(parsed.has_value()) << describe(parsed.error());
  EXPECT_TRUE(same(parsed->entries[1], {0xfffffffffff00000, 0x101000, 7, FirmwareMapKind::Efi}));
  EXPECT_FALSE(parsed->entries[1].length_saturated);  // wraps, but the length fits
  EXPECT_EQ(parsed->entries[2].length, ~0ull);
  EXPECT_TRUE(parsed->entries[2].length_saturated);
}

TEST(ParseDmesg, EndBelowBaseIsAnEntryWrappingPast2To64) {
  // Linux prints base + size - 1 in 64 bits: this is what a wrapping entry looks like.
  const auto parsed = parse_dmesg("BIOS-e820: [mem 0x0000000000002000-0x0000000000000fff] reserved\n"
                                  "BIOS-e820: [mem 0x0000000000000000-0xffffffffffffffff] usable\n"
                                  " BIOS-e820: 0000000000003000 - 0000000000001000 (usable)\n");
  ASSERT_TRUE(parsed.has_value()) << describe(parsed.error());
  EXPECT_TRUE(same(parsed->entries[0], {0x2000, 0ull - 0x1000, 2, FirmwareMapKind::E820}));
  EXPECT_TRUE(same(parsed->entries[1], {0x0, 0, 1, FirmwareMapKind::E820}));  // size 0 at 0
  EXPECT_TRUE(same(parsed->entries[2], {0x3000, 0ull - 0x2000, 1, FirmwareMapKind::E820}));
}

TEST(ParseDmesg, EveryUnreadableLineIsNamed) {
  const auto parsed = parse_dmesg("BIOS-e820: [mem 0x0-0x9ffff] usable\n"
                                  "BIOS-e820: [mem 0x100000-0x1fffff] mystery\n"
                                  "junk\n"
                                  "Xen: [mem 0x0-0xq] usable\n"
                                  "efi: mem02: [Conventional|   |WB] range=[0x0-] (0MB)\n");
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(describe(parsed.error()),
            "line 2: unknown e820 type name: BIOS-e820: [mem 0x100000-0x1fffff] mystery\n"
            "line 4: bad address: Xen: [mem 0x0-0xq] usable\n"
            "line 5: bad address: efi: mem02: [Conventional|   |WB] range=[0x0-] (0MB)");
}

TEST(ParseDmesg, NoMapLinesAtAllIsSaidSo) {
  for (const char* text : {"", "[    0.000000] Linux version 6.1\nnothing here\n",
                           "e820: update [mem 0x00000000-0x00000fff] usable ==> reserved\n"}) {
    const auto parsed = parse_dmesg(text);
    ASSERT_FALSE(parsed.has_value()) << text;
    ASSERT_EQ(parsed.error().size(), 1u);
    EXPECT_EQ(parsed.error()[0].line, 0u);
    EXPECT_TRUE(parsed.error()[0].message.starts_with("no memory-map lines found")) << parsed.error()[0].message;
  }
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
  EXPECT_EQ(bad_type.error()[0].line, 2u);
  EXPECT_EQ(bad_type.error()[0].message, "entry has an unknown \"type\"");
  // An end below the base is an entry wrapping past 2^64: read, and left to the sanitizer.
  const auto wraps = parse_json_map("{\"entries\": [{\"base\": \"0x2000\", \"end_inclusive\": \"0xfff\", \"type\": \"usable\"}]}");
  ASSERT_TRUE(wraps.has_value());
  EXPECT_TRUE(same(wraps->entries[0], {0x2000, 0ull - 0x1000, 1, FirmwareMapKind::E820}));
  EXPECT_EQ(parse_json_map("{\"entries\": []}").error()[0].message, "JSON map has no entries");
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
  EXPECT_EQ(report_map(parsed, {.json = true}, out, err), EXIT_OK);
  EXPECT_EQ(out.str(),
            "{\"regions\":[{\"base\":0,\"end\":651264,\"type\":\"usable\"},"
            "{\"base\":1048576,\"end\":536870912,\"type\":\"usable\"},"
            "{\"base\":4278173696,\"end\":4278190080,\"type\":\"reserved\"}],"
            "\"usable_bytes\":536473600,\"max_usable_end\":536870912,"
            "\"meta\":{\"slots\":131072,\"backed_bytes\":8388608}}\n");
  EXPECT_EQ(err.str(), "memmap: warning: line 1: entry 0 usable [0x0, 0x9fc00): not page aligned, trimmed to [0x0, 0x9f000)\n");
}

TEST(Report, WrappingEntryIsAWarningNamingItsLineNotAnError) {
  const auto parsed = parse_dmesg("junk\n"
                                  "BIOS-e820: [mem 0x0000000000000000-0x000000000009efff] usable\n"
                                  "BIOS-e820: [mem 0x0000000000100000-0x00000000000fffff] usable\n"
                                  "BIOS-e820: [mem 0xfffffffffffff000-0x0000000000000fff] reserved\n");
  ASSERT_TRUE(parsed.has_value()) << describe(parsed.error());
  std::ostringstream out, err;
  EXPECT_EQ(report_map(*parsed, {.json = true, .source_name = "log.txt"}, out, err), EXIT_OK);
  EXPECT_EQ(err.str(),
            "memmap: warning: line 3: entry 1 usable [0x100000, 0x100000): zero length, ignored\n"
            "memmap: warning: line 4: entry 2 reserved [0xfffffffffffff000, 2^64 + 0x1000): runs "
            "past 2^64; starts above the physical address limit 0x400000000000, ignored\n");
  EXPECT_EQ(out.str(),
            "{\"regions\":[{\"base\":0,\"end\":651264,\"type\":\"usable\"}],\"usable_bytes\":651264,"
            "\"max_usable_end\":651264,\"meta\":{\"slots\":159,\"backed_bytes\":2097152}}\n");
}

TEST(Report, NothingUsableLeftIsTheOnlyFatalSanitizerError) {
  const auto parsed = parse_dmesg("BIOS-e820: [mem 0x0000000000100000-0x00000000000fffff] usable\n"
                                  "BIOS-e820: [mem 0x0000000000200000-0x00000000001fffff] usable\n"
                                  "BIOS-e820: [mem 0x0000000000300000-0x00000000001fffff] usable\n");
  ASSERT_TRUE(parsed.has_value());
  std::ostringstream out, err;
  EXPECT_EQ(report_map(*parsed, {.source_name = "log.txt"}, out, err), EXIT_BAD_MAP);
  EXPECT_EQ(err.str(),
            "memmap: warning: line 1: entry 0 usable [0x100000, 0x100000): zero length, ignored\n"
            "memmap: warning: line 2: entry 1 usable [0x200000, 0x200000): zero length, ignored\n"
            "memmap: warning: line 3: entry 2 usable [0x300000, 2^64 + 0x200000): runs past 2^64; "
            "usable RAM with a broken length is not trusted, ignored\n"
            "memmap: log.txt: NoUsableMemory: no usable memory left after sanitizing\n");
  EXPECT_TRUE(out.str().empty());
}

}  // namespace
}  // namespace tools::memmap
