#include "mm/memmap/firmware_types.h"

namespace mm::memmap {
namespace {

FirmwareTypeInfo classify_e820(std::uint32_t type) {
  switch (type) {
    case e820::USABLE: return {RegionType::Usable, true};
    case e820::RESERVED: return {RegionType::Reserved, true};
    case e820::ACPI_RECLAIMABLE: return {RegionType::AcpiReclaimable, true};
    case e820::ACPI_NVS: return {RegionType::AcpiNvs, true};
    case e820::UNUSABLE: return {RegionType::Unusable, true};
    case e820::DISABLED: return {RegionType::Reserved, true};
    case e820::PERSISTENT:
    case e820::PERSISTENT_LEGACY: return {RegionType::Persistent, true};
    case e820::SOFT_RESERVED: return {RegionType::Reserved, true};
    default: return {RegionType::Reserved, false};
  }
}

FirmwareTypeInfo classify_efi(std::uint32_t type) {
  switch (type) {
    case efi::CONVENTIONAL_MEMORY:
    case efi::BOOT_SERVICES_CODE:
    case efi::BOOT_SERVICES_DATA:
    case efi::LOADER_CODE:
    case efi::LOADER_DATA: return {RegionType::Usable, true};
    case efi::ACPI_RECLAIM_MEMORY: return {RegionType::AcpiReclaimable, true};
    case efi::ACPI_MEMORY_NVS: return {RegionType::AcpiNvs, true};
    case efi::UNUSABLE_MEMORY: return {RegionType::Unusable, true};
    case efi::PERSISTENT_MEMORY: return {RegionType::Persistent, true};
    case efi::RESERVED_MEMORY_TYPE:
    case efi::RUNTIME_SERVICES_CODE:
    case efi::RUNTIME_SERVICES_DATA:
    case efi::MEMORY_MAPPED_IO:
    case efi::MEMORY_MAPPED_IO_PORT_SPACE:
    case efi::PAL_CODE:
    case efi::UNACCEPTED_MEMORY: return {RegionType::Reserved, true};
    default: return {RegionType::Reserved, false};
  }
}

}  // namespace

FirmwareTypeInfo classify_firmware_type(FirmwareMapKind kind, std::uint32_t type) {
  return kind == FirmwareMapKind::Efi ? classify_efi(type) : classify_e820(type);
}

std::string_view firmware_type_name(FirmwareMapKind kind, std::uint32_t type) {
  if (kind == FirmwareMapKind::Efi) {
    static constexpr std::string_view EFI_NAMES[] = {
        "EfiReservedMemoryType", "EfiLoaderCode",         "EfiLoaderData",
        "EfiBootServicesCode",   "EfiBootServicesData",   "EfiRuntimeServicesCode",
        "EfiRuntimeServicesData", "EfiConventionalMemory", "EfiUnusableMemory",
        "EfiACPIReclaimMemory",  "EfiACPIMemoryNVS",      "EfiMemoryMappedIO",
        "EfiMemoryMappedIOPortSpace", "EfiPalCode",       "EfiPersistentMemory",
        "EfiUnacceptedMemoryType"};
    return type < sizeof(EFI_NAMES) / sizeof(EFI_NAMES[0]) ? EFI_NAMES[type] : "unknown";
  }
  switch (type) {
    case e820::USABLE: return "usable";
    case e820::RESERVED: return "reserved";
    case e820::ACPI_RECLAIMABLE: return "ACPI data";
    case e820::ACPI_NVS: return "ACPI NVS";
    case e820::UNUSABLE: return "unusable";
    case e820::DISABLED: return "disabled";
    case e820::PERSISTENT: return "persistent (type 7)";
    case e820::PERSISTENT_LEGACY: return "persistent (type 12)";
    case e820::SOFT_RESERVED: return "soft reserved";
    default: return "unknown";
  }
}

}  // namespace mm::memmap
