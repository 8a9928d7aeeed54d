#include "mm/memmap/firmware_types.h"

namespace mm {
namespace {

FirmwareTypeInfo classify_e820(std::uint32_t type) {
  switch (type) {
    case e820::kUsable: return {RegionType::Usable, true};
    case e820::kReserved: return {RegionType::Reserved, true};
    case e820::kAcpiReclaimable: return {RegionType::AcpiReclaimable, true};
    case e820::kAcpiNvs: return {RegionType::AcpiNvs, true};
    case e820::kUnusable: return {RegionType::Unusable, true};
    case e820::kDisabled: return {RegionType::Reserved, true};
    case e820::kPersistent:
    case e820::kPersistentLegacy: return {RegionType::Persistent, true};
    case e820::kSoftReserved: return {RegionType::Reserved, true};
    default: return {RegionType::Reserved, false};
  }
}

FirmwareTypeInfo classify_efi(std::uint32_t type) {
  switch (type) {
    case efi::kConventionalMemory:
    case efi::kBootServicesCode:
    case efi::kBootServicesData:
    case efi::kLoaderCode:
    case efi::kLoaderData: return {RegionType::Usable, true};
    case efi::kAcpiReclaimMemory: return {RegionType::AcpiReclaimable, true};
    case efi::kAcpiMemoryNvs: return {RegionType::AcpiNvs, true};
    case efi::kUnusableMemory: return {RegionType::Unusable, true};
    case efi::kPersistentMemory: return {RegionType::Persistent, true};
    case efi::kReservedMemoryType:
    case efi::kRuntimeServicesCode:
    case efi::kRuntimeServicesData:
    case efi::kMemoryMappedIo:
    case efi::kMemoryMappedIoPortSpace:
    case efi::kPalCode:
    case efi::kUnacceptedMemory: return {RegionType::Reserved, true};
    default: return {RegionType::Reserved, false};
  }
}

}  // namespace

FirmwareTypeInfo classify_firmware_type(FirmwareMapKind kind, std::uint32_t type) {
  return kind == FirmwareMapKind::Efi ? classify_efi(type) : classify_e820(type);
}

std::string_view firmware_type_name(FirmwareMapKind kind, std::uint32_t type) {
  if (kind == FirmwareMapKind::Efi) {
    static constexpr std::string_view kEfiNames[] = {
        "EfiReservedMemoryType", "EfiLoaderCode",         "EfiLoaderData",
        "EfiBootServicesCode",   "EfiBootServicesData",   "EfiRuntimeServicesCode",
        "EfiRuntimeServicesData", "EfiConventionalMemory", "EfiUnusableMemory",
        "EfiACPIReclaimMemory",  "EfiACPIMemoryNVS",      "EfiMemoryMappedIO",
        "EfiMemoryMappedIOPortSpace", "EfiPalCode",       "EfiPersistentMemory",
        "EfiUnacceptedMemoryType"};
    return type < sizeof(kEfiNames) / sizeof(kEfiNames[0]) ? kEfiNames[type] : "unknown";
  }
  switch (type) {
    case e820::kUsable: return "usable";
    case e820::kReserved: return "reserved";
    case e820::kAcpiReclaimable: return "ACPI data";
    case e820::kAcpiNvs: return "ACPI NVS";
    case e820::kUnusable: return "unusable";
    case e820::kDisabled: return "disabled";
    case e820::kPersistent: return "persistent (type 7)";
    case e820::kPersistentLegacy: return "persistent (type 12)";
    case e820::kSoftReserved: return "soft reserved";
    default: return "unknown";
  }
}

}  // namespace mm
