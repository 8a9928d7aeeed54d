// memmap: runs keel's memory-map sanitizer and metadata planner over a map taken from a
// Linux boot log (dmesg) or keel's JSON sample format, and prints the result.
//
//   memmap FILE [--json] [--phys-bits N]      (FILE "-" reads stdin)
//
// Exit status: 0 ok, 1 usage or I/O error, 2 the map does not parse or sanitize.
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>

#include "tools/memmap/map_input.h"
#include "tools/memmap/map_report.h"

namespace {

using namespace tools::memmap;

constexpr const char* USAGE =
    "usage: memmap FILE [--json] [--phys-bits N]\n"
    "  FILE         a dmesg log with an e820 table (BIOS-e820:, Xen:, ...) or efi: memNN: lines,\n"
    "               or a JSON map; - for stdin\n"
    "  --json       print {\"regions\":[...],\"usable_bytes\":N,\"max_usable_end\":N,"
    "\"meta\":{...}}\n"
    "  --phys-bits  the CPU's physical address width (default: keel's maximum, 46)\n"
    "exit status: 0 ok, 1 usage or I/O error, 2 the map does not parse or sanitize\n";

}  // namespace

int main(int argc, char** argv) {
  ReportOptions options;
  const char* path = nullptr;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--json") {
      options.json = true;
    } else if (arg == "--phys-bits" && i + 1 < argc) {
      char* end = nullptr;
      const unsigned long bits = std::strtoul(argv[++i], &end, 10);
      if (*end != '\0' || bits > 64) {
        std::cerr << "memmap: bad --phys-bits value\n" << USAGE;
        return EXIT_USAGE;
      }
      options.phys_addr_bits = static_cast<unsigned>(bits);
    } else if (arg == "-h" || arg == "--help") {
      std::cout << USAGE;
      return EXIT_OK;
    } else if (path == nullptr && (arg == "-" || !arg.starts_with("-"))) {
      path = argv[i];
    } else {
      std::cerr << "memmap: unexpected argument '" << arg << "'\n" << USAGE;
      return EXIT_USAGE;
    }
  }
  if (path == nullptr) {
    std::cerr << USAGE;
    return EXIT_USAGE;
  }
  std::string text;
  if (std::strcmp(path, "-") == 0) {
    text.assign(std::istreambuf_iterator<char>(std::cin), {});
  } else {
    std::ifstream file(path, std::ios::binary);
    if (!file) {
      std::cerr << "memmap: cannot read " << path << ": " << std::strerror(errno) << "\n";
      return EXIT_USAGE;
    }
    text.assign(std::istreambuf_iterator<char>(file), {});
  }
  options.source_name = path;
  const auto parsed = parse_map_text(text);
  if (!parsed) {
    for (const InputError& error : parsed.error()) {
      std::cerr << "memmap: " << path << ": " << describe(error) << "\n";
    }
    return EXIT_BAD_MAP;
  }
  return report_map(*parsed, options, std::cout, std::cerr);
}
