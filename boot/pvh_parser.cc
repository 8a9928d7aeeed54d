// parse_pvh: reads hvm_start_info and, through the caller's PhysReader, the tables and
// strings it points to (see boot_info.h for the contract).
#include <cstddef>
#include <cstdint>
#include <expected>
#include <limits>
#include <new>
#include <optional>
#include <span>

#include "boot/boot_info.h"
#include "boot/byte_reader.h"
#include "boot/pvh_start_info.h"

namespace boot {
namespace {

using detail::copy_c_string;
using detail::read_at;

using Result = std::expected<void, BootInfoFailure>;

// Blames the start_info field at `field_offset`; `paddr` is the address it held.
std::unexpected<BootInfoFailure> fail(BootInfoError error, std::size_t field_offset,
                                      std::uint64_t paddr) {
  return std::unexpected(BootInfoFailure{error, static_cast<std::uint32_t>(field_offset),
                                         BootInfoFailure::NO_TAG, paddr});
}

// Exactly `size` bytes at `paddr`, or nullopt when the reader cannot provide them all.
std::optional<std::span<const std::byte>> read_table(PhysReader read_phys, std::uint64_t paddr,
                                                     std::uint64_t size) {
  const auto bytes = read_phys(paddr, size);
  if (bytes.size() < size) return std::nullopt;
  return bytes.first(static_cast<std::size_t>(size));
}

struct StringRead {
  bool readable;  // at least one byte could be read
  detail::StringCopy copy;
};

// The C string at `paddr`, looked for within `window` bytes and copied into `dest`.
StringRead read_c_string(PhysReader read_phys, std::uint64_t paddr, std::uint64_t window,
                         std::span<char> dest) {
  auto bytes = read_phys(paddr, window);
  if (bytes.size() > window) bytes = bytes.first(static_cast<std::size_t>(window));
  if (bytes.empty()) return {false, {false, false}};
  return {true, copy_c_string(bytes, dest)};
}

Result read_memory_map(const pvh::HvmStartInfo& info, PhysReader read_phys, BootInfo& out) {
  constexpr std::size_t field = offsetof(pvh::HvmStartInfo, memmap_paddr);
  if (info.memmap_paddr == 0 || info.memmap_entries == 0) {
    return fail(BootInfoError::NoMemoryMap, field, info.memmap_paddr);
  }
  out.e820_count = info.memmap_entries;
  std::size_t count = info.memmap_entries;
  if (count > MAX_MEMORY_REGIONS) {
    count = MAX_MEMORY_REGIONS;  // the rest is never read
    out.memory_map_truncated = true;
  }
  const auto table = read_table(read_phys, info.memmap_paddr, count * sizeof(pvh::HvmMemmapEntry));
  if (!table) return fail(BootInfoError::Unreadable, field, info.memmap_paddr);
  for (std::size_t i = 0; i < count; ++i) {
    const auto entry = *read_at<pvh::HvmMemmapEntry>(*table, i * sizeof(pvh::HvmMemmapEntry));
    out.memory_map[i] =
        mm::memmap::FirmwareRegion{entry.addr, entry.size, entry.type, mm::memmap::FirmwareMapKind::E820};
  }
  out.memory_map_count = count;
  return {};
}

Result read_cmdline(const pvh::HvmStartInfo& info, PhysReader read_phys, BootInfo& out) {
  constexpr std::size_t field = offsetof(pvh::HvmStartInfo, cmdline_paddr);
  if (info.cmdline_paddr == 0) return {};
  // A bounded window: a string with no NUL in the first MAX_CMDLINE bytes is garbage (or
  // longer than keel accepts), not something to scan memory for.
  const auto read = read_c_string(read_phys, info.cmdline_paddr, MAX_CMDLINE, out.cmdline);
  if (!read.readable) return fail(BootInfoError::Unreadable, field, info.cmdline_paddr);
  if (!read.copy.terminated) {
    return fail(BootInfoError::UnterminatedString, field, info.cmdline_paddr);
  }
  return {};
}

Result read_modules(const pvh::HvmStartInfo& info, PhysReader read_phys, BootInfo& out) {
  constexpr std::size_t field = offsetof(pvh::HvmStartInfo, modlist_paddr);
  if (info.nr_modules == 0) return {};
  std::size_t count = info.nr_modules;
  if (count > MAX_MODULES) {
    count = MAX_MODULES;
    out.modules_truncated = true;
  }
  if (info.modlist_paddr == 0) return fail(BootInfoError::Unreadable, field, 0);
  const auto table =
      read_table(read_phys, info.modlist_paddr, count * sizeof(pvh::HvmModlistEntry));
  if (!table) return fail(BootInfoError::Unreadable, field, info.modlist_paddr);
  for (std::size_t i = 0; i < count; ++i) {
    const auto entry = *read_at<pvh::HvmModlistEntry>(*table, i * sizeof(pvh::HvmModlistEntry));
    if (entry.size > std::numeric_limits<std::uint64_t>::max() - entry.paddr) {
      return fail(BootInfoError::BadModule, field, entry.paddr);
    }
    Module& module = out.modules[i];
    module.start = entry.paddr;
    module.end = entry.paddr + entry.size;
    if (entry.cmdline_paddr != 0) {
      // The name is informational: cut it at the buffer size rather than fail.
      const auto read =
          read_c_string(read_phys, entry.cmdline_paddr, module.name.size(), module.name);
      if (!read.readable) return fail(BootInfoError::Unreadable, field, entry.cmdline_paddr);
      module.name_truncated = !read.copy.terminated || read.copy.truncated;
    }
  }
  out.module_count = count;
  return {};
}

}  // namespace

Result parse_pvh(std::span<const std::byte> start_info, std::uint64_t start_info_paddr,
                 PhysReader read_phys, BootInfo& out) {
  ::new (static_cast<void*>(&out)) BootInfo();  // in place: BootInfo is large
  constexpr std::size_t version_field = offsetof(pvh::HvmStartInfo, version);
  const auto magic = read_at<std::uint32_t>(start_info, 0);
  const auto version = read_at<std::uint32_t>(start_info, version_field);
  if (!magic || !version) return fail(BootInfoError::TooSmall, 0, start_info_paddr);
  if (*magic != PVH_START_MAGIC) return fail(BootInfoError::BadMagic, 0, start_info_paddr);
  // Version 0 has no memory map, and keel will not guess one (QEMU and Firecracker give 1).
  if (*version == 0) {
    if (start_info.size() < pvh::START_INFO_V0_SIZE) {
      return fail(BootInfoError::TooSmall, 0, start_info_paddr);
    }
    return fail(BootInfoError::NoMemoryMap, version_field, start_info_paddr);
  }
  // Later versions only append fields, so the version-1 prefix is all keel reads.
  const auto info = read_at<pvh::HvmStartInfo>(start_info, 0);
  if (!info) return fail(BootInfoError::TooSmall, 0, start_info_paddr);
  if (read_phys == nullptr) {
    return fail(BootInfoError::Unreadable, offsetof(pvh::HvmStartInfo, memmap_paddr),
                info->memmap_paddr);
  }

  out.path = BootPath::Pvh;
  out.info_paddr = start_info_paddr;
  out.info_size = pvh::START_INFO_V1_SIZE;
  copy_c_string(std::as_bytes(std::span("PVH")), out.loader_name);
  if (info->rsdp_paddr != 0) {
    out.acpi_rsdp_paddr = info->rsdp_paddr;
    out.acpi_rsdp_revision = ACPI_RSDP_REVISION_UNKNOWN;
  }
  if (auto result = read_memory_map(*info, read_phys, out); !result) return result;
  if (auto result = read_cmdline(*info, read_phys, out); !result) return result;
  return read_modules(*info, read_phys, out);
}

}  // namespace boot
