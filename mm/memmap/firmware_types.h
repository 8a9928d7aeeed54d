// The firmware's type numbers (e820 and EFI_MEMORY_TYPE) and how keel classifies them.
#pragma once

#include <cstdint>
#include <string_view>

#include "mm/memmap/firmware_region.h"
#include "mm/memmap/region_type.h"

namespace mm::memmap {

// ACPI 6.5 table 15.1 (e820 / INT 15h AX=E820h) plus the Linux-known extensions.
namespace e820 {
inline constexpr std::uint32_t USABLE = 1;
inline constexpr std::uint32_t RESERVED = 2;
inline constexpr std::uint32_t ACPI_RECLAIMABLE = 3;
inline constexpr std::uint32_t ACPI_NVS = 4;
inline constexpr std::uint32_t UNUSABLE = 5;
inline constexpr std::uint32_t DISABLED = 6;         // ACPI 3.0 "disabled": not to be used
inline constexpr std::uint32_t PERSISTENT = 7;       // ACPI 6 persistent memory
inline constexpr std::uint32_t PERSISTENT_LEGACY = 12;  // pre-ACPI-6 OEM PRAM
inline constexpr std::uint32_t SOFT_RESERVED = 0xefffffff;  // Linux: EFI "specific purpose"
}  // namespace e820

// UEFI 2.10 §7.2, EFI_MEMORY_TYPE.
namespace efi {
inline constexpr std::uint32_t RESERVED_MEMORY_TYPE = 0;
inline constexpr std::uint32_t LOADER_CODE = 1;
inline constexpr std::uint32_t LOADER_DATA = 2;
inline constexpr std::uint32_t BOOT_SERVICES_CODE = 3;
inline constexpr std::uint32_t BOOT_SERVICES_DATA = 4;
inline constexpr std::uint32_t RUNTIME_SERVICES_CODE = 5;
inline constexpr std::uint32_t RUNTIME_SERVICES_DATA = 6;
inline constexpr std::uint32_t CONVENTIONAL_MEMORY = 7;
inline constexpr std::uint32_t UNUSABLE_MEMORY = 8;
inline constexpr std::uint32_t ACPI_RECLAIM_MEMORY = 9;
inline constexpr std::uint32_t ACPI_MEMORY_NVS = 10;
inline constexpr std::uint32_t MEMORY_MAPPED_IO = 11;
inline constexpr std::uint32_t MEMORY_MAPPED_IO_PORT_SPACE = 12;
inline constexpr std::uint32_t PAL_CODE = 13;
inline constexpr std::uint32_t PERSISTENT_MEMORY = 14;
inline constexpr std::uint32_t UNACCEPTED_MEMORY = 15;
}  // namespace efi

struct FirmwareTypeInfo {
  RegionType type;
  bool known;  // false: a number keel does not recognize (classified as Reserved)
};

// e820: 1 usable; 3 acpi; 4 nvs; 5 unusable; 7, 12 persistent; 2, 6 and unknown reserved.
// EFI: Conventional, BootServices*, Loader* usable (the loader has exited boot services
// before keel runs); ACPIReclaim acpi; ACPIMemoryNVS nvs; Unusable unusable; Persistent
// persistent; everything else (Reserved, RuntimeServices*, MMIO*, PalCode, Unaccepted —
// which needs a TDX/SNP accept before use — and unknown) reserved.
FirmwareTypeInfo classify_firmware_type(FirmwareMapKind kind, std::uint32_t type);

// The firmware's own name for a type number ("usable", "EfiConventionalMemory"), or
// "unknown" — for warnings and the CLI.
std::string_view firmware_type_name(FirmwareMapKind kind, std::uint32_t type);

}  // namespace mm::memmap
