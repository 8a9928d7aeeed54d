// Test-only builders for loader blobs: multiboot2 information blocks written tag by tag,
// and a simulated physical memory holding a PVH start_info and what it points to.
// Shared by the parser tests and the fuzz corpus. Host-only (uses the heap).
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "boot/boot_info.h"

namespace boot::fuzz {

struct E820Entry {
  std::uint64_t base, length;
  std::uint32_t type;
};

struct EfiEntry {
  std::uint32_t type;
  std::uint64_t phys_start, num_pages, attribute;
};

// Appends tags in order; finish() patches total_size. Raw helpers (tag, put) let tests
// write deliberately malformed blocks.
class Multiboot2Builder {
 public:
  Multiboot2Builder();

  // A tag with `payload` after its 8-byte header; size = 8 + payload (or `size_override`).
  Multiboot2Builder& tag(std::uint32_t type, std::span<const std::byte> payload,
                         std::uint32_t size_override = 0);
  Multiboot2Builder& string_tag(std::uint32_t type, std::string_view text, bool nul = true);
  Multiboot2Builder& cmdline(std::string_view text) { return string_tag(1, text); }
  Multiboot2Builder& loader_name(std::string_view text) { return string_tag(2, text); }
  Multiboot2Builder& module(std::uint32_t start, std::uint32_t end, std::string_view name);
  Multiboot2Builder& basic_meminfo(std::uint32_t lower_kib, std::uint32_t upper_kib);
  Multiboot2Builder& mmap(std::initializer_list<E820Entry> entries, std::uint32_t entry_size = 24,
                          std::uint32_t entry_version = 0);
  Multiboot2Builder& framebuffer_rgb(std::uint64_t addr, std::uint32_t width,
                                     std::uint32_t height, std::uint8_t bpp);
  Multiboot2Builder& acpi_rsdp(bool v2);
  Multiboot2Builder& efi64_system_table(std::uint64_t pointer);
  Multiboot2Builder& efi_mmap(std::initializer_list<EfiEntry> entries,
                              std::uint32_t descr_size = 48);
  Multiboot2Builder& end() { return tag(0, {}); }

  std::vector<std::byte> finish();  // total_size = bytes written

 private:
  void put_u32(std::uint32_t value);
  void put_u64(std::uint64_t value);
  void pad_to_8();
  std::vector<std::byte> bytes_;
};

// Canonical blobs modelled on real loaders.
inline constexpr std::uint64_t GRUB_INFO_PADDR = 0x10000;
std::vector<std::byte> grub_bios_blob();  // QEMU pc, 512 MiB, SeaBIOS e820
std::vector<std::byte> grub_uefi_blob();  // QEMU + OVMF: tag 17 EFI map, tag 12, ACPI 2.0 RSDP

// Helpers for writing little-endian fields into a blob.
void store_u32(std::vector<std::byte>& bytes, std::size_t offset, std::uint32_t value);
void store_u64(std::vector<std::byte>& bytes, std::size_t offset, std::uint64_t value);
std::uint32_t load_u32(std::span<const std::byte> bytes, std::size_t offset);

// An exactly-sized, 8-byte-aligned heap copy, so ASan flags any read past the end.
class AlignedCopy {
 public:
  explicit AlignedCopy(std::span<const std::byte> bytes);
  std::span<const std::byte> span() const { return {data_.get(), size_}; }

 private:
  struct Free {
    void operator()(std::byte* p) const { ::operator delete(p, std::align_val_t{8}); }
  };
  std::unique_ptr<std::byte, Free> data_;
  std::size_t size_;
};

// Simulated physical memory [SIM_PHYS_BASE, SIM_PHYS_BASE + size) for PVH tests; the
// start_info lives at SIM_PHYS_BASE. read_phys serves the image installed by
// ScopedPhysImage (one at a time, per thread).
inline constexpr std::uint64_t SIM_PHYS_BASE = 0x6000;
std::span<const std::byte> sim_read_phys(std::uint64_t paddr, std::uint64_t size);

class ScopedPhysImage {
 public:
  explicit ScopedPhysImage(std::span<const std::byte> image);
  ~ScopedPhysImage();
  ScopedPhysImage(const ScopedPhysImage&) = delete;
  ScopedPhysImage& operator=(const ScopedPhysImage&) = delete;
  std::span<const std::byte> start_info(std::size_t size = 56) const;

 private:
  AlignedCopy copy_;
};

// A Firecracker-like PVH layout inside one image: start_info at +0, memmap at +0x100,
// module list at +0x400, cmdline at +0x800, module names at +0xc00.
struct PvhImageBuilder {
  std::uint32_t version = 1;
  std::uint32_t magic = 0x336ec578;
  std::vector<E820Entry> memmap = {{0x0, 0x9fc00, 1},
                                   {0x9fc00, 0x400, 2},
                                   {0xf0000, 0x10000, 2},
                                   {0x100000, 0x1ff00000, 1}};
  std::string_view cmdline = "console=ttyS0 ktest ktest.filter=mm.*";
  bool has_cmdline = true;
  bool terminate_cmdline = true;  // false: fill the rest of the image with 'x'
  struct ModuleSpec {
    std::uint64_t paddr, size;
    std::string_view name;
  };
  std::vector<ModuleSpec> modules = {{0x200000, 0x1234, "initrd"}};
  std::uint64_t rsdp_paddr = 0xf5a40;
  std::size_t image_size = 0x1000;

  static constexpr std::size_t MEMMAP_OFFSET = 0x100, MODLIST_OFFSET = 0x400,
                               CMDLINE_OFFSET = 0x800, NAMES_OFFSET = 0xc00;
  std::vector<std::byte> build() const;
};

}  // namespace boot::fuzz
