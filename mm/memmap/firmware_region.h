// A memory-map entry as the firmware reported it, before keel's sanitizer sees it.
#pragma once

#include <cstdint>

namespace mm::memmap {

enum class FirmwareMapKind : std::uint8_t {
  E820,  // multiboot2 tag 6 / PVH hvm_memmap_table_entry: e820 type numbers (1..5, 7, 12, ...)
  Efi,   // multiboot2 tag 17: EFI_MEMORY_TYPE numbers (0..15)
};

struct FirmwareRegion {
  std::uint64_t base;
  std::uint64_t length;
  std::uint32_t type;  // firmware's number; interpreted according to kind
  FirmwareMapKind kind;
  // The firmware's length did not fit 64 bits (an EFI page count times 4 KiB, or an end
  // printed past 2^64), so `length` holds the largest value instead. The entry runs past
  // 2^64 whatever its base, and the sanitizer treats it like one whose base + length wraps.
  bool length_saturated = false;
};

}  // namespace mm::memmap
