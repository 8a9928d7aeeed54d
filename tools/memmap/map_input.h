// Reading a firmware memory map from text: a Linux boot log (dmesg) or keel's JSON sample
// format. Host-only (std::string, std::vector).
//
// dmesg lines understood, with or without "[    0.000000]" timestamps, "<6>" log levels or
// syslog prefixes, in every form Linux has printed them:
//   BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable          (end inclusive)
//   BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff]  639   KB System RAM  (2025 rework)
//   BIOS-e820: 0000000000000000 - 000000000009fc00 (usable)                (older; end exclusive)
//   the same after the other names Linux gives a table: BIOS-88:, BIOS-e801:, Xen:, LGUEST:,
//     and its edited copies user:, modified:, reserve setup_data:, bad_ppro:, TXT-reserve:, e820:
//   efi: mem00: [Conventional|   |  |...|UC] range=[0x0-0x9ffff] (0MB)       (end inclusive; also
//     the older long names, "[type=N|", and "(invalid)" ends printed past 2^64)
//   efi: mem00: type=7, attr=0xf, range=[0x0-0xa0000) (0MB)                  (end exclusive)
// The first e820 table is the firmware's and the one used; later tables (Linux's edits, or
// a second boot in the same log) are counted in ignored_tables. "[gap ..]" lines are holes.
// When a log holds both e820 and EFI entries, the e820 ones are used (that is the map the
// firmware gave the OS). An end below the base is how Linux prints an entry that wraps past
// 2^64: it is read as such, and left to the sanitizer's policy (dropped or clamped, with a
// warning). Every line that looks like a map line but does not parse is an error naming
// its line; a log with no map line at all is an error saying so.
//
// JSON: {"entries": [{"base": "0x..", "end_inclusive": "0x..", "type": "usable"}, ...]}
// (other keys ignored); numbers may be hex strings or JSON integers; type is an e820 name
// as Linux prints it, an EFI type name ("EfiConventionalMemory"), or an e820 number.
#pragma once

#include <cstddef>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "mm/memmap/firmware_region.h"

namespace tools::memmap {

struct IgnoredTable {
  std::string source;  // the name in front of its lines: "user", "modified", ...
  std::size_t entries = 0;
};

struct ParsedMap {
  std::vector<mm::memmap::FirmwareRegion> entries;
  std::vector<std::size_t> entry_lines;  // 1-based source line of each entry
  std::string source;                    // "BIOS-e820", "Xen", ..., "efi" or "JSON"
  std::size_t ignored_efi_entries = 0;   // EFI lines dropped in favor of e820 ones
  std::vector<IgnoredTable> ignored_tables;  // e820 tables after the first, in log order
};

struct InputError {
  std::size_t line = 0;  // 1-based; 0 when not tied to a line
  std::string line_text;
  std::string message;
};

// Every unreadable line, in order (JSON: the first error only).
using InputErrors = std::vector<InputError>;

// "line 7: <message>: <text>" or just the message; one per line for several.
std::string describe(const InputError& error);
std::string describe(const InputErrors& errors);

[[nodiscard]] std::expected<ParsedMap, InputErrors> parse_dmesg(std::string_view text);
[[nodiscard]] std::expected<ParsedMap, InputErrors> parse_json_map(std::string_view text);
// JSON if the first non-blank character is '{', otherwise dmesg.
[[nodiscard]] std::expected<ParsedMap, InputErrors> parse_map_text(std::string_view text);

}  // namespace tools::memmap
