// The firmware's type numbers (e820 and EFI_MEMORY_TYPE) and how keel classifies them.
#pragma once

#include <cstdint>
#include <string_view>

#include "mm/memmap/firmware_region.h"
#include "mm/memmap/region_type.h"

namespace mm {

// ACPI 6.5 table 15.1 (e820 / INT 15h AX=E820h) plus the Linux-known extensions.
namespace e820 {
inline constexpr std::uint32_t kUsable = 1;
inline constexpr std::uint32_t kReserved = 2;
inline constexpr std::uint32_t kAcpiReclaimable = 3;
inline constexpr std::uint32_t kAcpiNvs = 4;
inline constexpr std::uint32_t kUnusable = 5;
inline constexpr std::uint32_t kDisabled = 6;         // ACPI 3.0 "disabled": not to be used
inline constexpr std::uint32_t kPersistent = 7;       // ACPI 6 persistent memory
inline constexpr std::uint32_t kPersistentLegacy = 12;  // pre-ACPI-6 OEM PRAM
inline constexpr std::uint32_t kSoftReserved = 0xefffffff;  // Linux: EFI "specific purpose"
}  // namespace e820

// UEFI 2.10 §7.2, EFI_MEMORY_TYPE.
namespace efi {
inline constexpr std::uint32_t kReservedMemoryType = 0;
inline constexpr std::uint32_t kLoaderCode = 1;
inline constexpr std::uint32_t kLoaderData = 2;
inline constexpr std::uint32_t kBootServicesCode = 3;
inline constexpr std::uint32_t kBootServicesData = 4;
inline constexpr std::uint32_t kRuntimeServicesCode = 5;
inline constexpr std::uint32_t kRuntimeServicesData = 6;
inline constexpr std::uint32_t kConventionalMemory = 7;
inline constexpr std::uint32_t kUnusableMemory = 8;
inline constexpr std::uint32_t kAcpiReclaimMemory = 9;
inline constexpr std::uint32_t kAcpiMemoryNvs = 10;
inline constexpr std::uint32_t kMemoryMappedIo = 11;
inline constexpr std::uint32_t kMemoryMappedIoPortSpace = 12;
inline constexpr std::uint32_t kPalCode = 13;
inline constexpr std::uint32_t kPersistentMemory = 14;
inline constexpr std::uint32_t kUnacceptedMemory = 15;
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

}  // namespace mm
