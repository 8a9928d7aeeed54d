// The memmap tool's work after parsing: keel's sanitizer and metadata planner (the same
// mm/ code the kernel runs), then a human-readable or JSON report.
#pragma once

#include <ostream>
#include <string>

#include "tools/memmap/map_input.h"

namespace tools::memmap {

struct ReportOptions {
  bool json = false;
  unsigned phys_addr_bits = 0;  // 0: keel's maximum (MAX_PADDR_BITS)
  std::string source_name = "-";
};

inline constexpr int EXIT_OK = 0;
inline constexpr int EXIT_USAGE = 1;     // bad arguments, unreadable file
inline constexpr int EXIT_BAD_MAP = 2;    // the map does not parse or does not sanitize

// Text mode: warnings, the sanitized map, totals and the metadata plan to `out`.
// JSON mode: exactly one JSON object to `out`, warnings to `err`.
// Errors go to `err` naming the source line. Returns the exit code.
int report_map(const ParsedMap& parsed, const ReportOptions& options, std::ostream& out,
               std::ostream& err);

}  // namespace tools::memmap
