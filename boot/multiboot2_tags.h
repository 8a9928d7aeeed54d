// Multiboot2 boot-information layouts (the GRUB multiboot2 specification, "Boot
// information format"): what the loader leaves at %ebx. All little-endian; every tag
// starts 8-byte aligned and its `size` counts its own 8-byte header but not the padding
// to the next tag. These structs describe byte layouts only: the parser copies them out
// with memcpy after a bounds check, never dereferences them in place.
#pragma once

#include <cstddef>
#include <cstdint>

namespace boot::mb2 {

enum class TagType : std::uint32_t {
  End = 0,
  Cmdline = 1,
  BootLoaderName = 2,
  Module = 3,
  BasicMeminfo = 4,
  BootDevice = 5,
  Mmap = 6,
  Vbe = 7,
  Framebuffer = 8,
  ElfSections = 9,
  Apm = 10,
  Efi32SystemTable = 11,
  Efi64SystemTable = 12,
  Smbios = 13,
  AcpiOldRsdp = 14,
  AcpiNewRsdp = 15,
  Network = 16,
  EfiMmap = 17,
  EfiBootServicesNotTerminated = 18,
  Efi32ImageHandle = 19,
  Efi64ImageHandle = 20,
  ImageLoadBasePhys = 21,
};

// The block's fixed header.
struct InfoHeader {
  std::uint32_t total_size;  // bytes, including this header and the end tag
  std::uint32_t reserved;
};
static_assert(sizeof(InfoHeader) == 8);

struct TagHeader {
  std::uint32_t type;
  std::uint32_t size;
};
static_assert(sizeof(TagHeader) == 8);
inline constexpr std::uint32_t END_TAG_SIZE = 8;

// Tags 1 and 2: the header, then a NUL-terminated string filling the rest of the tag.
inline constexpr std::uint32_t STRING_TAG_PAYLOAD = sizeof(TagHeader);

// Tag 3: the module occupies [mod_start, mod_end); its NUL-terminated string follows.
struct ModuleTag {
  TagHeader header;
  std::uint32_t mod_start;
  std::uint32_t mod_end;
};
static_assert(sizeof(ModuleTag) == 16);

// Tag 6: entries of entry_size bytes (>= sizeof(MmapEntry)) follow the header.
struct MmapTag {
  TagHeader header;
  std::uint32_t entry_size;
  std::uint32_t entry_version;  // 0 is the only defined version
};
static_assert(sizeof(MmapTag) == 16);

struct MmapEntry {
  std::uint64_t base_addr;
  std::uint64_t length;
  std::uint32_t type;  // e820 numbering
  std::uint32_t reserved;
};
static_assert(sizeof(MmapEntry) == 24);
static_assert(offsetof(MmapEntry, type) == 16);

// Tag 8: the common part; type-specific colour information follows.
struct FramebufferTag {
  TagHeader header;
  std::uint64_t addr;
  std::uint32_t pitch;
  std::uint32_t width;
  std::uint32_t height;
  std::uint8_t bpp;
  std::uint8_t type;  // 0 indexed, 1 direct RGB, 2 EGA text
  std::uint16_t reserved;
};
static_assert(sizeof(FramebufferTag) == 32);
static_assert(offsetof(FramebufferTag, addr) == 8 && offsetof(FramebufferTag, bpp) == 28);
inline constexpr std::uint8_t FRAMEBUFFER_TYPE_RGB = 1;

// Follows FramebufferTag when type == FRAMEBUFFER_TYPE_RGB.
struct FramebufferRgb {
  std::uint8_t red_field_position;
  std::uint8_t red_mask_size;
  std::uint8_t green_field_position;
  std::uint8_t green_mask_size;
  std::uint8_t blue_field_position;
  std::uint8_t blue_mask_size;
};
static_assert(sizeof(FramebufferRgb) == 6);

// Tags 11 and 12: the physical address of the EFI system table.
struct Efi32SystemTableTag {
  TagHeader header;
  std::uint32_t pointer;
};
static_assert(sizeof(Efi32SystemTableTag) == 12);
struct Efi64SystemTableTag {
  TagHeader header;
  std::uint64_t pointer;
};
static_assert(sizeof(Efi64SystemTableTag) == 16);

// Tags 14 and 15 hold a byte copy of the RSDP right after the header: the ACPI 1.0 RSDP
// (20 bytes) or the ACPI 2.0+ one (36 bytes, with the XSDT address).
inline constexpr std::uint32_t RSDP_V1_SIZE = 20;
inline constexpr std::uint32_t RSDP_V2_SIZE = 36;

// Tag 17: the UEFI GetMemoryMap() output; descriptors of descr_size bytes (>= 40) follow.
struct EfiMmapTag {
  TagHeader header;
  std::uint32_t descr_size;
  std::uint32_t descr_vers;
};
static_assert(sizeof(EfiMmapTag) == 16);

// EFI_MEMORY_DESCRIPTOR (UEFI spec, GetMemoryMap). Firmware may use a larger stride, so
// always advance by descr_size.
struct EfiMemoryDescriptor {
  std::uint32_t type;  // EFI_MEMORY_TYPE
  std::uint32_t pad;
  std::uint64_t physical_start;
  std::uint64_t virtual_start;
  std::uint64_t number_of_pages;  // 4 KiB pages, whatever the platform page size
  std::uint64_t attribute;
};
static_assert(sizeof(EfiMemoryDescriptor) == 40);
static_assert(offsetof(EfiMemoryDescriptor, physical_start) == 8 &&
              offsetof(EfiMemoryDescriptor, number_of_pages) == 24);
inline constexpr std::uint64_t EFI_PAGE_SIZE = 4096;

}  // namespace boot::mb2
