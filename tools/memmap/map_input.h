// Reading a firmware memory map from text: a Linux boot log (dmesg) or keel's JSON sample
// format. Host-only (std::string, std::vector).
//
// dmesg lines understood (anywhere in the line, so timestamps and prefixes are fine):
//   BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable      (end inclusive)
//   BIOS-e820: 0000000000000000 - 000000000009fc00 (usable)           (older; end exclusive)
//   efi: mem00: [Conventional|   |  |...|UC] range=[0x0-0x9ffff] (0MB)   (end inclusive)
//   efi: mem00: type=7, attr=0xf, range=[0x0-0xa0000) (0MB)             (end exclusive)
// Other lines are skipped. A line that contains an entry marker but does not parse, or
// whose end lies below its base, is an error naming the line. When a log holds both e820
// and EFI entries, the e820 ones are used (that is the map the firmware gave the OS).
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

namespace keel::memmap_tool {

struct ParsedMap {
  std::vector<mm::FirmwareRegion> entries;
  std::vector<std::size_t> entry_lines;  // 1-based source line of each entry
  std::size_t ignored_efi_entries = 0;   // EFI lines dropped in favor of e820 ones
};

struct InputError {
  std::size_t line = 0;  // 1-based; 0 when not tied to a line
  std::string line_text;
  std::string message;
};

// "line 7: <message>: <text>" or just the message.
std::string describe(const InputError& error);

std::expected<ParsedMap, InputError> parse_dmesg(std::string_view text);
std::expected<ParsedMap, InputError> parse_json_map(std::string_view text);
// JSON if the first non-blank character is '{', otherwise dmesg.
std::expected<ParsedMap, InputError> parse_map_text(std::string_view text);

}  // namespace keel::memmap_tool
