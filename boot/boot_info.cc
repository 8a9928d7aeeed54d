// BootInfo's small helpers: names for printing, the command-line view.
#include "boot/boot_info.h"

#include <string_view>

#include "lib/fmt/format.h"

namespace boot {

const char* boot_path_name(BootPath path) {
  switch (path) {
    case BootPath::Multiboot2Bios: return "multiboot2 (BIOS)";
    case BootPath::Multiboot2Uefi: return "multiboot2 (UEFI)";
    case BootPath::Pvh: return "PVH";
  }
  return "unknown boot path";
}

const char* error_name(BootInfoError error) {
  switch (error) {
    case BootInfoError::BadMagic: return "BadMagic";
    case BootInfoError::Misaligned: return "Misaligned";
    case BootInfoError::TooSmall: return "TooSmall";
    case BootInfoError::TruncatedTag: return "TruncatedTag";
    case BootInfoError::BadTagSize: return "BadTagSize";
    case BootInfoError::BadEntrySize: return "BadEntrySize";
    case BootInfoError::MissingEnd: return "MissingEnd";
    case BootInfoError::NoMemoryMap: return "NoMemoryMap";
    case BootInfoError::UnterminatedString: return "UnterminatedString";
    case BootInfoError::BadVersion: return "BadVersion";
    case BootInfoError::Unreadable: return "Unreadable";
    case BootInfoError::BadModule: return "BadModule";
  }
  return "UnknownBootInfoError";
}

void format_value(keel::fmt::Sink& sink, const keel::fmt::Spec& spec, const BootInfoFailure& failure) {
  // Padding applies to the name only: the location is variable-length detail.
  keel::fmt::format_value(sink, spec, error_name(failure.error));
  keel::fmt::print(sink, " at offset {:#x}", failure.offset);
  if (failure.tag_type != BootInfoFailure::NO_TAG) keel::fmt::print(sink, " (tag {})", failure.tag_type);
  if (failure.paddr != 0) keel::fmt::print(sink, " paddr {:#x}", failure.paddr);
}

std::string_view BootInfo::command_line() const {
  std::size_t length = 0;
  while (length < cmdline.size() && cmdline[length] != '\0') ++length;
  return {cmdline.data(), length};
}

}  // namespace boot
