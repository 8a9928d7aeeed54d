// The PVH boot ABI's start-of-day structures (Xen public header arch-x86/hvm/start_info.h;
// QEMU's pvh option ROM and Firecracker fill the same layout). The loader passes the
// physical address of HvmStartInfo in %ebx; every other pointer in it is physical too.
// Byte layouts only: the parser memcpy's them out after a bounds check.
#pragma once

#include <cstddef>
#include <cstdint>

namespace boot::pvh {

struct HvmStartInfo {
  std::uint32_t magic;  // PVH_START_MAGIC
  std::uint32_t version;  // 0: fields up to rsdp_paddr; >= 1 adds the memory map
  std::uint32_t flags;    // SIF_* (unused by keel)
  std::uint32_t nr_modules;
  std::uint64_t modlist_paddr;  // HvmModlistEntry[nr_modules]
  std::uint64_t cmdline_paddr;  // NUL-terminated ASCII, 0 = none
  std::uint64_t rsdp_paddr;     // 0 = none
  // Version 1 and later:
  std::uint64_t memmap_paddr;  // HvmMemmapEntry[memmap_entries]
  std::uint32_t memmap_entries;
  std::uint32_t reserved;
};
static_assert(sizeof(HvmStartInfo) == 56);
static_assert(offsetof(HvmStartInfo, modlist_paddr) == 16);
static_assert(offsetof(HvmStartInfo, cmdline_paddr) == 24);
static_assert(offsetof(HvmStartInfo, rsdp_paddr) == 32);
static_assert(offsetof(HvmStartInfo, memmap_paddr) == 40);
static_assert(offsetof(HvmStartInfo, memmap_entries) == 48);

// The fixed size of a version-0 structure (everything before memmap_paddr).
inline constexpr std::size_t START_INFO_V0_SIZE = offsetof(HvmStartInfo, memmap_paddr);
inline constexpr std::size_t START_INFO_V1_SIZE = sizeof(HvmStartInfo);

struct HvmModlistEntry {
  std::uint64_t paddr;
  std::uint64_t size;
  std::uint64_t cmdline_paddr;  // NUL-terminated, 0 = none
  std::uint64_t reserved;
};
static_assert(sizeof(HvmModlistEntry) == 32);

// Types are e820 numbers (1 RAM, 2 reserved, 3 ACPI, 4 NVS, 5 unusable, 7 pmem).
struct HvmMemmapEntry {
  std::uint64_t addr;
  std::uint64_t size;
  std::uint32_t type;
  std::uint32_t reserved;
};
static_assert(sizeof(HvmMemmapEntry) == 24);

}  // namespace boot::pvh
