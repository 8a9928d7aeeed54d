// BootInfo: what the boot loader told keel, in one shape for every entry path.
//
// Filled by the multiboot2 parser (GRUB, BIOS or UEFI) and the PVH parser (QEMU microvm,
// Firecracker). Parsing is portable and bounds-checked against the block's declared size:
// a truncated or garbled block yields a BootInfoFailure, never a read outside the block.
// Strings are copied into fixed buffers so BootInfo does not point into loader memory
// that mm may later hand out.
//
// Failures come back as a BootInfoFailure: the error plus where it was found, so the
// kernel can print it with fmt, e.g. "TruncatedTag at offset 0x1a8 (tag 6) paddr 0x101a8".
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <span>
#include <string_view>

#include "lib/fmt/format_fwd.h"
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
  std::uint64_t start = 0;  // physical, [start, end); the parsers guarantee start <= end
  std::uint64_t end = 0;
  std::array<char, 64> name{};  // NUL-terminated, truncated if longer
  bool name_truncated = false;
};

inline constexpr std::size_t MAX_MEMORY_REGIONS = 512;
inline constexpr std::size_t MAX_MODULES = 8;
inline constexpr std::size_t MAX_CMDLINE = 1024;

// acpi_rsdp_revision when the loader gives only the RSDP's address (PVH): the ACPI code
// reads the revision byte from the RSDP itself.
inline constexpr std::uint8_t ACPI_RSDP_REVISION_UNKNOWN = 0xff;

struct BootInfo {
  BootPath path = BootPath::Pvh;
  // Raw firmware map entries (e820 or EFI numbering). When both tags exist on a UEFI boot,
  // the EFI map is kept (it is the more precise one) and e820_count records the other.
  std::array<mm::memmap::FirmwareRegion, MAX_MEMORY_REGIONS> memory_map{};
  std::size_t memory_map_count = 0;
  // How many e820 entries the loader gave (multiboot2 tag 6 or the PVH memmap), whether
  // or not they are the ones kept in memory_map.
  std::size_t e820_count = 0;
  bool memory_map_truncated = false;  // more entries than MAX_MEMORY_REGIONS
  // An EFI descriptor's num_pages * 4096 overflowed 64 bits; that entry's length is
  // saturated and marked (FirmwareRegion::length_saturated). Entries whose end wraps are
  // kept as given: the sanitizer drops or clamps both kinds with a warning.
  bool memory_map_clamped = false;

  std::array<char, MAX_CMDLINE> cmdline{};  // NUL-terminated
  bool cmdline_truncated = false;
  std::array<char, 64> loader_name{};  // NUL-terminated
  bool loader_name_truncated = false;

  Framebuffer framebuffer{};
  std::array<Module, MAX_MODULES> modules{};
  std::size_t module_count = 0;
  bool modules_truncated = false;  // more modules than MAX_MODULES

  std::uint64_t acpi_rsdp_paddr = 0;  // 0 = not provided
  // 0 = ACPI 1.0 (RSDT), 2 = ACPI 2.0+ (XSDT), ACPI_RSDP_REVISION_UNKNOWN = read the RSDP.
  // On multiboot2 the RSDP is the copy inside tag 14/15, so acpi_rsdp_paddr points into
  // the info block (reserve it until ACPI has read the tables).
  std::uint8_t acpi_rsdp_revision = 0;
  // The info block itself, so mm can reserve it: [info_paddr, info_paddr + info_size).
  std::uint64_t info_paddr = 0;
  std::uint64_t info_size = 0;
  std::uint64_t efi_system_table = 0;  // 0 = none

  std::span<const mm::memmap::FirmwareRegion> regions() const {
    return {memory_map.data(), memory_map_count};
  }
  std::string_view command_line() const;  // up to the first NUL
};

enum class BootInfoError : std::uint8_t {
  BadMagic,         // the loader's magic number is not the expected one
  Misaligned,       // the block is not 8-byte aligned
  TooSmall,         // the block (or PVH start_info) is shorter than its fixed header
  TruncatedTag,     // a tag (or table entry, or the block's total_size) runs past the
                    // bytes available
  BadTagSize,       // a tag's size is smaller than its own header or fixed payload
  BadEntrySize,     // mmap entry_size < 24 or not a multiple of 8; EFI descr_size < 40
  MissingEnd,       // no end tag before the block's declared size
  NoMemoryMap,      // no memory map, or one with no entries (PVH: also version 0)
  UnterminatedString,  // the command line or a name has no NUL inside its tag/window
  BadVersion,       // an unsupported structure version
  Unreadable,       // PVH: a physical pointer names memory read_phys cannot provide
  BadModule,        // a module's end is before its start, or start + size overflows
};
const char* error_name(BootInfoError error);

// Where a parse failed. Multiboot2: `offset` is the byte offset in the info block of the
// tag (or header) at fault and `tag_type` its type. PVH: `offset` is the offset inside
// hvm_start_info of the field whose pointer/count was bad, tag_type is NO_TAG.
// `paddr` is the physical address of the bad item (block_paddr + offset on multiboot2,
// the unreadable pointer on PVH), 0 when unknown.
struct BootInfoFailure {
  static constexpr std::uint32_t NO_TAG = 0xffffffff;
  BootInfoError error;
  std::uint32_t offset = 0;
  std::uint32_t tag_type = NO_TAG;
  std::uint64_t paddr = 0;
};

// fmt support: BootInfoError prints its name; BootInfoFailure prints
// "<name> at offset 0x<offset>[ (tag <n>)][ paddr 0x<paddr>]".
void format_value(keel::fmt::Sink& sink, const keel::fmt::Spec& spec, const BootInfoFailure& failure);

inline constexpr std::uint32_t MULTIBOOT2_BOOTLOADER_MAGIC = 0x36d76289;
inline constexpr std::uint32_t PVH_START_MAGIC = 0x336ec578;

// Both parsers reset `out` first and never read outside the spans they are given (all
// reads are bounds-checked memcpy, so the blob needs no particular alignment to be safe).
// On failure `out` is partially filled and must not be used.

// `block` is the whole multiboot2 information block (its first u32 is total_size; the
// span may be longer, never shorter). `block_paddr` is where it lives, for reservation.
// Requires: `block.data()` and `block_paddr` 8-byte aligned (else Misaligned).
// Memory map: tag 17 (EFI) is kept when present and non-empty, else tag 6; neither (or
// no entries) is NoMemoryMap. Tags 11/12/17 mean path = Multiboot2Uefi. The ACPI 2.0 RSDP
// (tag 15) wins over tag 14 in any order. A repeated tag replaces the earlier one;
// modules accumulate. Unknown tags are skipped.
[[nodiscard]] std::expected<void, BootInfoFailure> parse_multiboot2(std::uint32_t magic,
                                                      std::span<const std::byte> block,
                                                      std::uint64_t block_paddr, BootInfo& out);

// PVH: `start_info` is the hvm_start_info struct (version >= 1 required: keel needs the
// memmap); `read_phys` resolves the physical pointers inside it (memmap table, cmdline,
// module list and names) to byte spans: the bytes at [paddr, paddr + size), or a shorter
// prefix (possibly empty) when only part of the range is readable. A short read of a table
// is Unreadable; a C string only needs to be readable up to its NUL (the command line must
// end within MAX_CMDLINE bytes, else UnterminatedString).
using PhysReader = std::span<const std::byte> (*)(std::uint64_t paddr, std::uint64_t size);
[[nodiscard]] std::expected<void, BootInfoFailure> parse_pvh(std::span<const std::byte> start_info,
                                               std::uint64_t start_info_paddr,
                                               PhysReader read_phys, BootInfo& out);

}  // namespace boot
