#include "tools/memmap/map_report.h"

#include <memory>

#include "mm/memmap/memory_map.h"
#include "mm/memmap/sanitize.h"
#include "lib/fmt/string_sink.h"
#include "mm/meta/memory_report.h"
#include "mm/meta/meta_plan.h"

namespace tools::memmap {
namespace {

void print_json(std::ostream& out, const mm::memmap::MemoryMap& map,
                const mm::meta::MetaPlan& plan) {
  out << "{\"regions\":[";
  bool first = true;
  for (const mm::memmap::MemoryRegion& region : map.regions()) {
    out << (first ? "" : ",") << "{\"base\":" << region.range.start << ",\"end\":" << region.range.end
        << ",\"type\":\"" << mm::memmap::region_type_name(region.type) << "\"}";
    first = false;
  }
  out << "],\"usable_bytes\":" << map.usable_bytes() << ",\"max_usable_end\":" << map.max_usable_end()
      << ",\"meta\":{\"slots\":" << plan.slot_count << ",\"backed_bytes\":" << plan.backed_bytes
      << "}}\n";
}

// Each warning on its own line, naming the source line of its entry when there is one.
void print_warnings(keel::fmt::Sink& sink, const ParsedMap& parsed,
                    const mm::memmap::MapWarnings& warnings, const char* prefix) {
  for (const mm::memmap::MapWarning& warning : warnings.list()) {
    sink.write(prefix);
    if (warning.entry_index < parsed.entry_lines.size()) {
      keel::fmt::print(sink, "line {}: ", parsed.entry_lines[warning.entry_index]);
    }
    keel::fmt::print(sink, "{}\n", warning);
  }
  if (warnings.dropped() != 0) keel::fmt::print(sink, "{}{} more warnings not shown\n", prefix, warnings.dropped());
}

void print_text(std::ostream& out, const ParsedMap& parsed, const mm::memmap::MapWarnings& warnings,
                const mm::memmap::MemoryMap& map, const mm::meta::MetaPlan& plan) {
  keel::fmt::StringSink sink;
  std::size_t efi = 0;
  for (const auto& e : parsed.entries) efi += e.kind == mm::memmap::FirmwareMapKind::Efi ? 1 : 0;
  keel::fmt::print(sink, "firmware map: {} entries ({}", parsed.entries.size(),
             efi == 0 ? "e820" : (efi == parsed.entries.size() ? "EFI" : "e820 and EFI"));
  if (!parsed.source.empty()) keel::fmt::print(sink, ", from {}", parsed.source);
  sink.write(")\n");
  if (parsed.ignored_efi_entries != 0) {
    keel::fmt::print(sink, "  ({} efi: lines ignored: the e820 map is the one the OS used)\n",
               parsed.ignored_efi_entries);
  }
  for (const IgnoredTable& table : parsed.ignored_tables) {
    keel::fmt::print(sink, "  ({} {}: lines ignored: a later table, not the firmware's)\n", table.entries,
               table.source);
  }
  if (warnings.empty()) {
    sink.write("warnings: none\n");
  } else {
    keel::fmt::print(sink, "warnings: {}\n", warnings.size() + warnings.dropped());
    print_warnings(sink, parsed, warnings, "  ");
  }
  sink.write("sanitized map:\n");
  mm::meta::print_memory_map(sink, map);
  mm::meta::print_memory_summary(sink, map, plan);
  keel::fmt::print(sink, "metadata plan: slots for [0x0, {:#x}), region {} of which backed:\n",
             plan.covered().end, keel::fmt::HumanBytes{plan.region_bytes});
  for (const mm::meta::MetaChunkRange& chunk : plan.backed) {
    const std::uint64_t first_frame = chunk.offset / sizeof(mm::meta::MetaSlot) * mm::PAGE_SIZE;
    const std::uint64_t end_frame =
        (chunk.offset + chunk.length) / sizeof(mm::meta::MetaSlot) * mm::PAGE_SIZE;
    keel::fmt::print(sink, "  +{:#x}..+{:#x} ({:>9}) slots of frames [{:#x}, {:#x})\n", chunk.offset,
               chunk.offset + chunk.length, keel::fmt::HumanBytes{chunk.length}, first_frame,
               end_frame < plan.covered().end ? end_frame : plan.covered().end);
  }
  out << sink.str();
}

}  // namespace

int report_map(const ParsedMap& parsed, const ReportOptions& options, std::ostream& out,
               std::ostream& err) {
  auto map = std::make_unique<mm::memmap::MemoryMap>();
  mm::memmap::MapWarnings warnings;
  const auto result =
      mm::memmap::sanitize_memory_map(parsed.entries, {options.phys_addr_bits}, *map, warnings);
  if (!result) {
    // The warnings say what was dropped on the way to an empty map.
    keel::fmt::StringSink sink;
    print_warnings(sink, parsed, warnings, "memmap: warning: ");
    err << sink.str() << "memmap: " << options.source_name << ": ";
    const std::uint32_t index = result.error().entry_index;
    if (index != mm::memmap::NO_ENTRY && index < parsed.entry_lines.size()) {
      err << "line " << parsed.entry_lines[index] << ": ";
    }
    err << keel::fmt::to_text(result.error()) << "\n";
    return EXIT_BAD_MAP;
  }
  const auto plan = mm::meta::plan_meta_region(*map);
  if (!plan) {  // cannot happen after a successful sanitize; keep the tool honest anyway
    err << "memmap: " << options.source_name << ": " << error_name(plan.error()) << "\n";
    return EXIT_BAD_MAP;
  }
  if (options.json) {
    keel::fmt::StringSink sink;
    print_warnings(sink, parsed, warnings, "memmap: warning: ");
    err << sink.str();
    print_json(out, *map, *plan);
  } else {
    print_text(out, parsed, warnings, *map, *plan);
  }
  return EXIT_OK;
}

}  // namespace tools::memmap
