// BootInfo: what the boot loader told keel, in one shape for every entry path.
//
// Filled by the multiboot2 parser (GRUB, BIOS or UEFI) and the PVH parser (QEMU microvm,
// Firecracker). Parsing is portable and bounds-checked against the block's declared size:
// a truncated or garbled block yields a BootInfoError, never a read outside the block.
// Strings are copied into fixed buffers so BootInfo does not point into loader memory
// that mm may later hand out.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <span>
#include <string_view>

#include "mm/memmap/firmware_region.h"

namespace boot {

enum class BootPath : std::uint8_t { Multiboot2Bios, Multiboot2Uefi, Pvh };
const char* boot_path_name(BootPath path);

struct Framebuffer {
  std::uint64_t paddr = 0;
  std::uint32_t pitch = 0;   // bytes per scan line
  std::uint32_t width = 0;   // pixels (or characters for EGA text)
  std::uint32_t height = 0;
  std::uint8_t bpp = 0;
  std::uint8_t type = 0;  // multiboot2: 0 indexed, 1 direct RGB, 2 EGA text
  std::uint8_t red_pos = 0, red_size = 0, green_pos = 0, green_size = 0, blue_pos = 0,
               blue_size = 0;
  bool present() const { return paddr != 0 && width != 0 && height != 0; }
};

struct Module {
  std::uint64_t start = 0;  // physical, [start, end)
  std::uint64_t end = 0;
  std::array<char, 64> name{};  // NUL-terminated, truncated if longer
};

inline constexpr std::size_t MAX_MEMORY_REGIONS = 512;
inline constexpr std::size_t MAX_MODULES = 8;
inline constexpr std::size_t MAX_CMDLINE = 1024;

struct BootInfo {
  BootPath path = BootPath::Pvh;
  // Raw firmware map entries (e820 or EFI numbering). When both tags exist on a UEFI boot,
  // the EFI map is kept (it is the more precise one) and e820_count records the other.
  std::array<mm::FirmwareRegion, MAX_MEMORY_REGIONS> memory_map{};
  std::size_t memory_map_count = 0;
  std::size_t e820_count = 0;
  bool memory_map_truncated = false;  // more entries than MAX_MEMORY_REGIONS

  std::array<char, MAX_CMDLINE> cmdline{};  // NUL-terminated
  bool cmdline_truncated = false;
  std::array<char, 64> loader_name{};  // NUL-terminated

  Framebuffer framebuffer{};
  std::array<Module, MAX_MODULES> modules{};
  std::size_t module_count = 0;

  std::uint64_t acpi_rsdp_paddr = 0;  // 0 = not provided
  std::uint8_t acpi_rsdp_revision = 0;  // 0 = ACPI 1.0 (RSDT), 2 = ACPI 2.0+ (XSDT)
  // The info block itself, so mm can reserve it: [info_paddr, info_paddr + info_size).
  std::uint64_t info_paddr = 0;
  std::uint64_t info_size = 0;
  std::uint64_t efi_system_table = 0;  // 0 = none

  std::span<const mm::FirmwareRegion> regions() const {
    return {memory_map.data(), memory_map_count};
  }
  std::string_view command_line() const;
};

enum class BootInfoError : std::uint8_t {
  BadMagic,         // the loader's magic number is not the expected one
  Misaligned,       // the block is not 8-byte aligned
  TooSmall,         // the block is shorter than its fixed header
  TruncatedTag,     // a tag (or table entry) runs past the block's declared size
  BadTagSize,       // a tag's size is smaller than its own header
  BadEntrySize,     // a memory-map entry_size/descr_size is too small or absurd
  MissingEnd,       // no end tag before the block's declared size
  NoMemoryMap,      // the loader gave no memory map at all
  UnterminatedString,  // the command line or a name has no NUL inside its tag
  BadVersion,       // an unsupported structure version
};
const char* boot_info_error_name(BootInfoError error);

inline constexpr std::uint32_t MULTIBOOT2_BOOTLOADER_MAGIC = 0x36d76289;
inline constexpr std::uint32_t PVH_START_MAGIC = 0x336ec578;

// `block` is the whole multiboot2 information block (its first u32 is total_size; the
// span may be longer). `block_paddr` is where it lives, for reservation.
std::expected<void, BootInfoError> parse_multiboot2(std::uint32_t magic,
                                                    std::span<const std::byte> block,
                                                    std::uint64_t block_paddr, BootInfo& out);

// PVH: `start_info` is the hvm_start_info struct; `read_phys` resolves the physical
// pointers inside it (memmap table, cmdline, modules) to bounded byte spans, returning an
// empty span when the range is not readable.
using PhysReader = std::span<const std::byte> (*)(std::uint64_t paddr, std::uint64_t size);
std::expected<void, BootInfoError> parse_pvh(std::span<const std::byte> start_info,
                                             std::uint64_t start_info_paddr, PhysReader read_phys,
                                             BootInfo& out);

}  // namespace boot
