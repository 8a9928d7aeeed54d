// parse_multiboot2: walks the multiboot2 information block tag by tag, checking every
// size against the block's total_size before reading (see boot_info.h for the contract).
#include <cstdint>
#include <expected>
#include <limits>
#include <new>
#include <optional>
#include <span>

#include "boot/boot_info.h"
#include "boot/byte_reader.h"
#include "boot/multiboot2_tags.h"

namespace boot {
namespace {

using detail::copy_c_string;
using detail::read_at;
using mm::memmap::FirmwareMapKind;
using mm::memmap::FirmwareRegion;

using Result = std::expected<void, BootInfoFailure>;

// A memory-map table found during the walk; entries are copied once the walk has
// succeeded, so the EFI map can win regardless of tag order.
struct TableView {
  std::uint32_t offset;      // of the first entry, in the block
  std::uint32_t bytes;       // entry bytes in the tag
  std::uint32_t entry_size;  // stride
  std::size_t count() const { return bytes / entry_size; }  // a partial trailing entry is ignored
};

class Multiboot2Walker {
 public:
  Multiboot2Walker(std::span<const std::byte> block, std::uint64_t block_paddr, BootInfo& out)
      : block_(block), block_paddr_(block_paddr), out_(out) {}

  Result walk();

 private:
  std::unexpected<BootInfoFailure> fail(BootInfoError error, std::uint32_t offset,
                                        std::uint32_t tag_type) const {
    return std::unexpected(BootInfoFailure{error, offset, tag_type, block_paddr_ + offset});
  }

  Result parse_tag(std::uint32_t offset, mb2::TagHeader header);
  Result parse_string(std::uint32_t offset, std::uint32_t type, std::span<const std::byte> tag,
                      std::span<char> dest, bool& truncated);
  Result parse_module(std::uint32_t offset, std::span<const std::byte> tag);
  Result parse_mmap(std::uint32_t offset, std::span<const std::byte> tag);
  Result parse_framebuffer(std::uint32_t offset, std::span<const std::byte> tag);
  template <typename SystemTableTag>
  Result parse_efi_system_table(std::uint32_t offset, std::uint32_t type,
                                std::span<const std::byte> tag);
  Result parse_efi_mmap(std::uint32_t offset, std::span<const std::byte> tag);
  Result parse_rsdp(std::uint32_t offset, std::span<const std::byte> tag, bool is_new);
  Result fill_memory_map(std::uint32_t end_offset);
  template <typename Entry, typename ToRegion>
  void copy_table(const TableView& view, ToRegion to_region);
  void copy_e820(const TableView& view);
  void copy_efi(const TableView& view);

  std::span<const std::byte> block_;  // exactly total_size bytes
  std::uint64_t block_paddr_;
  BootInfo& out_;
  std::optional<TableView> e820_;
  std::optional<TableView> efi_;
  bool have_new_rsdp_ = false;
  bool uefi_ = false;
};

Result Multiboot2Walker::walk() {
  std::uint64_t offset = sizeof(mb2::InfoHeader);
  // Every tag header must lie inside total_size; a block that ends without an end tag
  // (including one whose last tag's padding runs past it) is MissingEnd.
  while (const auto header = read_at<mb2::TagHeader>(block_, offset)) {
    const auto tag_offset = static_cast<std::uint32_t>(offset);
    if (header->size < sizeof(mb2::TagHeader)) {
      return fail(BootInfoError::BadTagSize, tag_offset, header->type);
    }
    if (header->size > block_.size() - offset) {
      return fail(BootInfoError::TruncatedTag, tag_offset, header->type);
    }
    if (header->type == static_cast<std::uint32_t>(mb2::TagType::End)) {
      if (header->size != mb2::END_TAG_SIZE) {
        return fail(BootInfoError::BadTagSize, tag_offset, header->type);
      }
      return fill_memory_map(tag_offset);
    }
    if (auto result = parse_tag(tag_offset, *header); !result) return result;
    offset = detail::align_up_8(offset + header->size);
  }
  return fail(BootInfoError::MissingEnd, static_cast<std::uint32_t>(block_.size()),
              BootInfoFailure::NO_TAG);
}

Result Multiboot2Walker::parse_tag(std::uint32_t offset, mb2::TagHeader header) {
  const auto tag = block_.subspan(offset, header.size);  // bounds checked by walk()
  switch (static_cast<mb2::TagType>(header.type)) {
    case mb2::TagType::Cmdline:
      return parse_string(offset, header.type, tag, out_.cmdline, out_.cmdline_truncated);
    case mb2::TagType::BootLoaderName:
      return parse_string(offset, header.type, tag, out_.loader_name,
                          out_.loader_name_truncated);
    case mb2::TagType::Module:
      return parse_module(offset, tag);
    case mb2::TagType::Mmap:
      return parse_mmap(offset, tag);
    case mb2::TagType::Framebuffer:
      return parse_framebuffer(offset, tag);
    case mb2::TagType::Efi32SystemTable:
      return parse_efi_system_table<mb2::Efi32SystemTableTag>(offset, header.type, tag);
    case mb2::TagType::Efi64SystemTable:
      return parse_efi_system_table<mb2::Efi64SystemTableTag>(offset, header.type, tag);
    case mb2::TagType::AcpiOldRsdp:
      return parse_rsdp(offset, tag, false);
    case mb2::TagType::AcpiNewRsdp:
      return parse_rsdp(offset, tag, true);
    case mb2::TagType::EfiMmap:
      return parse_efi_mmap(offset, tag);
    default:
      // Basic meminfo (superseded by the map), image load base, boot device, ELF
      // sections, ... and tags newer than this parser: nothing keel needs.
      return {};
  }
}

Result Multiboot2Walker::parse_string(std::uint32_t offset, std::uint32_t type,
                                      std::span<const std::byte> tag, std::span<char> dest,
                                      bool& truncated) {
  const auto copy = copy_c_string(tag.subspan(mb2::STRING_TAG_PAYLOAD), dest);
  if (!copy.terminated) return fail(BootInfoError::UnterminatedString, offset, type);
  truncated = copy.truncated;
  return {};
}

Result Multiboot2Walker::parse_module(std::uint32_t offset, std::span<const std::byte> tag) {
  const auto type = static_cast<std::uint32_t>(mb2::TagType::Module);
  const auto header = read_at<mb2::ModuleTag>(tag, 0);
  if (!header) return fail(BootInfoError::BadTagSize, offset, type);
  if (header->mod_end < header->mod_start) return fail(BootInfoError::BadModule, offset, type);
  Module module;
  module.start = header->mod_start;
  module.end = header->mod_end;
  const auto copy = copy_c_string(tag.subspan(sizeof(mb2::ModuleTag)), module.name);
  if (!copy.terminated) return fail(BootInfoError::UnterminatedString, offset, type);
  module.name_truncated = copy.truncated;
  if (out_.module_count == MAX_MODULES) {
    out_.modules_truncated = true;
    return {};
  }
  out_.modules[out_.module_count++] = module;
  return {};
}

Result Multiboot2Walker::parse_mmap(std::uint32_t offset, std::span<const std::byte> tag) {
  const auto type = static_cast<std::uint32_t>(mb2::TagType::Mmap);
  const auto header = read_at<mb2::MmapTag>(tag, 0);
  if (!header) return fail(BootInfoError::BadTagSize, offset, type);
  if (header->entry_size < sizeof(mb2::MmapEntry) || header->entry_size % 8 != 0) {
    return fail(BootInfoError::BadEntrySize, offset, type);
  }
  if (header->entry_version != 0) return fail(BootInfoError::BadVersion, offset, type);
  e820_ = TableView{offset + static_cast<std::uint32_t>(sizeof(mb2::MmapTag)),
                    static_cast<std::uint32_t>(tag.size() - sizeof(mb2::MmapTag)),
                    header->entry_size};
  return {};
}

Result Multiboot2Walker::parse_efi_mmap(std::uint32_t offset, std::span<const std::byte> tag) {
  const auto type = static_cast<std::uint32_t>(mb2::TagType::EfiMmap);
  const auto header = read_at<mb2::EfiMmapTag>(tag, 0);
  if (!header) return fail(BootInfoError::BadTagSize, offset, type);
  // descr_vers is not checked: newer descriptor versions only grow, and the stride
  // (descr_size) keeps them readable.
  if (header->descr_size < sizeof(mb2::EfiMemoryDescriptor)) {
    return fail(BootInfoError::BadEntrySize, offset, type);
  }
  efi_ = TableView{offset + static_cast<std::uint32_t>(sizeof(mb2::EfiMmapTag)),
                   static_cast<std::uint32_t>(tag.size() - sizeof(mb2::EfiMmapTag)),
                   header->descr_size};
  uefi_ = true;
  return {};
}

Result Multiboot2Walker::parse_framebuffer(std::uint32_t offset, std::span<const std::byte> tag) {
  const auto type = static_cast<std::uint32_t>(mb2::TagType::Framebuffer);
  const auto common = read_at<mb2::FramebufferTag>(tag, 0);
  if (!common) return fail(BootInfoError::BadTagSize, offset, type);
  Framebuffer fb;
  fb.paddr = common->addr;
  fb.pitch = common->pitch;
  fb.width = common->width;
  fb.height = common->height;
  fb.bpp = common->bpp;
  fb.type = common->type;
  if (common->type == mb2::FRAMEBUFFER_TYPE_RGB) {
    const auto rgb = read_at<mb2::FramebufferRgb>(tag, sizeof(mb2::FramebufferTag));
    if (!rgb) return fail(BootInfoError::BadTagSize, offset, type);
    fb.red_pos = rgb->red_field_position;
    fb.red_size = rgb->red_mask_size;
    fb.green_pos = rgb->green_field_position;
    fb.green_size = rgb->green_mask_size;
    fb.blue_pos = rgb->blue_field_position;
    fb.blue_size = rgb->blue_mask_size;
  }
  // Indexed palettes and EGA text need nothing beyond the common part.
  out_.framebuffer = fb;
  return {};
}

// The EFI system table's address, 32- or 64-bit wide; either tag means a UEFI boot.
template <typename SystemTableTag>
Result Multiboot2Walker::parse_efi_system_table(std::uint32_t offset, std::uint32_t type,
                                                std::span<const std::byte> tag) {
  const auto efi = read_at<SystemTableTag>(tag, 0);
  if (!efi) return fail(BootInfoError::BadTagSize, offset, type);
  out_.efi_system_table = efi->pointer;
  uefi_ = true;
  return {};
}

Result Multiboot2Walker::parse_rsdp(std::uint32_t offset, std::span<const std::byte> tag,
                                    bool is_new) {
  const auto type = static_cast<std::uint32_t>(is_new ? mb2::TagType::AcpiNewRsdp
                                                      : mb2::TagType::AcpiOldRsdp);
  const std::uint32_t rsdp_size = is_new ? mb2::RSDP_V2_SIZE : mb2::RSDP_V1_SIZE;
  if (tag.size() < sizeof(mb2::TagHeader) + rsdp_size) {
    return fail(BootInfoError::BadTagSize, offset, type);
  }
  if (!is_new && have_new_rsdp_) return {};  // the ACPI 2.0 copy wins, whatever the order
  // The copy lives in the tag itself: point at it (the info block stays reserved).
  out_.acpi_rsdp_paddr = block_paddr_ + offset + sizeof(mb2::TagHeader);
  out_.acpi_rsdp_revision = is_new ? 2 : 0;
  have_new_rsdp_ = have_new_rsdp_ || is_new;
  return {};
}

// Appends the view's entries to the memory map, each as `to_region` makes it from its
// Entry, until the map is full (then it is marked truncated).
template <typename Entry, typename ToRegion>
void Multiboot2Walker::copy_table(const TableView& view, ToRegion to_region) {
  const std::size_t count = view.count();
  for (std::size_t i = 0; i < count; ++i) {
    if (out_.memory_map_count == MAX_MEMORY_REGIONS) {
      out_.memory_map_truncated = true;
      return;
    }
    // In bounds: the walk checked the tag against total_size and count * stride <= bytes.
    const auto entry = *read_at<Entry>(block_, view.offset + i * view.entry_size);
    out_.memory_map[out_.memory_map_count++] = to_region(entry);
  }
}

void Multiboot2Walker::copy_e820(const TableView& view) {
  copy_table<mb2::MmapEntry>(view, [](const mb2::MmapEntry& entry) {
    return FirmwareRegion{entry.base_addr, entry.length, entry.type, FirmwareMapKind::E820};
  });
}

void Multiboot2Walker::copy_efi(const TableView& view) {
  copy_table<mb2::EfiMemoryDescriptor>(view, [this](const mb2::EfiMemoryDescriptor& descriptor) {
    constexpr auto max = std::numeric_limits<std::uint64_t>::max();
    FirmwareRegion region{descriptor.physical_start, 0, descriptor.type, FirmwareMapKind::Efi};
    // A garbled page count must not wrap into a small (plausible) length: saturate it and
    // mark it, so the sanitizer applies the one policy for entries running past 2^64 (and
    // warns). An end that merely wraps is passed through as given, like an e820 entry's.
    if (descriptor.number_of_pages > max / mb2::EFI_PAGE_SIZE) {
      region.length = max;
      region.length_saturated = true;
      out_.memory_map_clamped = true;
    } else {
      region.length = descriptor.number_of_pages * mb2::EFI_PAGE_SIZE;
    }
    return region;
  });
}

Result Multiboot2Walker::fill_memory_map(std::uint32_t end_offset) {
  if (e820_) out_.e820_count = e820_->count();
  // The EFI map is the more precise one; an empty one (never seen in practice) falls back
  // to the e820 view rather than leaving keel without memory.
  if (efi_ && (efi_->count() > 0 || !e820_)) {
    copy_efi(*efi_);
  } else if (e820_) {
    copy_e820(*e820_);
  }
  // A map tag with no entries is no map either.
  if (out_.memory_map_count == 0) {
    return fail(BootInfoError::NoMemoryMap, end_offset, BootInfoFailure::NO_TAG);
  }
  out_.path = uefi_ ? BootPath::Multiboot2Uefi : BootPath::Multiboot2Bios;
  return {};
}

}  // namespace

Result parse_multiboot2(std::uint32_t magic, std::span<const std::byte> block,
                        std::uint64_t block_paddr, BootInfo& out) {
  // In place: BootInfo is ~14 KiB, too big for a temporary on an early boot stack.
  ::new (static_cast<void*>(&out)) BootInfo();
  const auto fail = [&](BootInfoError error) {
    return std::unexpected(BootInfoFailure{error, 0, BootInfoFailure::NO_TAG, block_paddr});
  };
  if (magic != MULTIBOOT2_BOOTLOADER_MAGIC) return fail(BootInfoError::BadMagic);
  if (reinterpret_cast<std::uintptr_t>(block.data()) % 8 != 0 || block_paddr % 8 != 0) {
    return fail(BootInfoError::Misaligned);
  }
  const auto header = detail::read_at<mb2::InfoHeader>(block, 0);
  if (!header || header->total_size < sizeof(mb2::InfoHeader)) {
    return fail(BootInfoError::TooSmall);
  }
  if (header->total_size > block.size()) return fail(BootInfoError::TruncatedTag);
  out.info_paddr = block_paddr;
  out.info_size = header->total_size;
  return Multiboot2Walker(block.first(header->total_size), block_paddr, out).walk();
}

}  // namespace boot
