// Builders for test blobs (see boot_blobs.h).
#include "boot/fuzz/boot_blobs.h"

#include <cstring>
#include <new>

namespace boot::fuzz {

void store_u32(std::vector<std::byte>& bytes, std::size_t offset, std::uint32_t value) {
  if (bytes.size() < offset + 4) bytes.resize(offset + 4);
  std::memcpy(bytes.data() + offset, &value, 4);
}

void store_u64(std::vector<std::byte>& bytes, std::size_t offset, std::uint64_t value) {
  if (bytes.size() < offset + 8) bytes.resize(offset + 8);
  std::memcpy(bytes.data() + offset, &value, 8);
}

std::uint32_t load_u32(std::span<const std::byte> bytes, std::size_t offset) {
  std::uint32_t value = 0;
  if (offset + 4 <= bytes.size()) std::memcpy(&value, bytes.data() + offset, 4);
  return value;
}

Multiboot2Builder::Multiboot2Builder() {
  put_u32(0);  // total_size, patched by finish()
  put_u32(0);  // reserved
}

void Multiboot2Builder::put_u32(std::uint32_t value) { store_u32(bytes_, bytes_.size(), value); }
void Multiboot2Builder::put_u64(std::uint64_t value) { store_u64(bytes_, bytes_.size(), value); }
void Multiboot2Builder::pad_to_8() { bytes_.resize((bytes_.size() + 7) & ~std::size_t{7}); }

Multiboot2Builder& Multiboot2Builder::tag(std::uint32_t type, std::span<const std::byte> payload,
                                          std::uint32_t size_override) {
  put_u32(type);
  put_u32(size_override != 0 ? size_override : static_cast<std::uint32_t>(8 + payload.size()));
  bytes_.insert(bytes_.end(), payload.begin(), payload.end());
  pad_to_8();
  return *this;
}

Multiboot2Builder& Multiboot2Builder::string_tag(std::uint32_t type, std::string_view text,
                                                 bool nul) {
  std::vector<std::byte> payload(text.size() + (nul ? 1 : 0));
  std::memcpy(payload.data(), text.data(), text.size());
  return tag(type, payload);
}

Multiboot2Builder& Multiboot2Builder::module(std::uint32_t start, std::uint32_t end,
                                             std::string_view name) {
  std::vector<std::byte> payload;
  store_u32(payload, 0, start);
  store_u32(payload, 4, end);
  payload.resize(8 + name.size() + 1);
  std::memcpy(payload.data() + 8, name.data(), name.size());
  return tag(3, payload);
}

Multiboot2Builder& Multiboot2Builder::basic_meminfo(std::uint32_t lower_kib,
                                                    std::uint32_t upper_kib) {
  std::vector<std::byte> payload;
  store_u32(payload, 0, lower_kib);
  store_u32(payload, 4, upper_kib);
  return tag(4, payload);
}

Multiboot2Builder& Multiboot2Builder::mmap(std::initializer_list<E820Entry> entries,
                                           std::uint32_t entry_size,
                                           std::uint32_t entry_version) {
  std::vector<std::byte> payload;
  store_u32(payload, 0, entry_size);
  store_u32(payload, 4, entry_version);
  std::size_t offset = 8;
  for (const E820Entry& e : entries) {
    payload.resize(offset + entry_size);  // a stride shorter than 24 still writes 24 below
    store_u64(payload, offset, e.base);
    store_u64(payload, offset + 8, e.length);
    store_u32(payload, offset + 16, e.type);
    payload.resize(offset + entry_size);
    offset += entry_size;
  }
  return tag(6, payload);
}

Multiboot2Builder& Multiboot2Builder::framebuffer_rgb(std::uint64_t addr, std::uint32_t width,
                                                      std::uint32_t height, std::uint8_t bpp) {
  std::vector<std::byte> payload;
  store_u64(payload, 0, addr);
  store_u32(payload, 8, width * (bpp / 8));  // pitch
  store_u32(payload, 12, width);
  store_u32(payload, 16, height);
  payload.resize(24);
  payload[20] = std::byte{bpp};
  payload[21] = std::byte{1};  // direct RGB
  // red 16/8, green 8/8, blue 0/8 (x8r8g8b8), then padding as GRUB writes it.
  for (const std::uint8_t b : {16, 8, 8, 8, 0, 8, 0, 0}) payload.push_back(std::byte{b});
  return tag(8, payload);
}

Multiboot2Builder& Multiboot2Builder::acpi_rsdp(bool v2) {
  std::vector<std::byte> rsdp(v2 ? 36 : 20);
  std::memcpy(rsdp.data(), "RSD PTR ", 8);
  std::memcpy(rsdp.data() + 9, "BOCHS ", 6);
  rsdp[15] = std::byte{static_cast<unsigned char>(v2 ? 2 : 0)};
  std::uint32_t rsdt = 0x1ffe1234;
  std::memcpy(rsdp.data() + 16, &rsdt, 4);
  if (v2) {
    std::uint32_t length = 36;
    std::memcpy(rsdp.data() + 20, &length, 4);
    std::uint64_t xsdt = 0x7b7e0e8;
    std::memcpy(rsdp.data() + 24, &xsdt, 8);
  }
  return tag(v2 ? 15 : 14, rsdp);
}

Multiboot2Builder& Multiboot2Builder::efi64_system_table(std::uint64_t pointer) {
  std::vector<std::byte> payload;
  store_u64(payload, 0, pointer);
  return tag(12, payload);
}

Multiboot2Builder& Multiboot2Builder::efi_mmap(std::initializer_list<EfiEntry> entries,
                                               std::uint32_t descr_size) {
  std::vector<std::byte> payload;
  store_u32(payload, 0, descr_size);
  store_u32(payload, 4, 1);  // descr_vers
  std::size_t offset = 8;
  for (const EfiEntry& e : entries) {
    payload.resize(offset + (descr_size > 40 ? descr_size : 40));
    store_u32(payload, offset, e.type);
    store_u64(payload, offset + 8, e.phys_start);
    store_u64(payload, offset + 16, 0);  // virtual start
    store_u64(payload, offset + 24, e.num_pages);
    store_u64(payload, offset + 32, e.attribute);
    payload.resize(offset + descr_size);
    offset += descr_size;
  }
  return tag(17, payload);
}

std::vector<std::byte> Multiboot2Builder::finish() {
  store_u32(bytes_, 0, static_cast<std::uint32_t>(bytes_.size()));
  return bytes_;
}

namespace {
std::vector<std::byte> u32_payload(std::initializer_list<std::uint32_t> values) {
  std::vector<std::byte> payload;
  for (const std::uint32_t v : values) store_u32(payload, payload.size(), v);
  return payload;
}
}  // namespace

std::vector<std::byte> grub_bios_blob() {
  return Multiboot2Builder()
      .cmdline("/boot/keel.elf console=ttyS0 ktest")
      .loader_name("GRUB 2.06")
      .tag(21, u32_payload({0x200000u, 0u}))  // load base
      .basic_meminfo(639, 523136)
      .tag(5, u32_payload({0x80u, ~0u, ~0u}))  // boot device
      .mmap({{0x0, 0x9fc00, 1},
             {0x9fc00, 0x400, 2},
             {0xf0000, 0x10000, 2},
             {0x100000, 0x1fee0000, 1},
             {0x1ffe0000, 0x20000, 2},
             {0xfeffc000, 0x4000, 2},
             {0xfffc0000, 0x40000, 2}})
      .framebuffer_rgb(0xfd000000, 1024, 768, 32)
      .acpi_rsdp(false)
      .end()
      .finish();
}

std::vector<std::byte> grub_uefi_blob() {
  // Entries shaped like OVMF's map on a 128 MiB i440FX VM (EFI types: 7 conventional,
  // 4 boot services data, 3 boot services code, 10 ACPI NVS, 9 ACPI reclaim, 0 reserved).
  constexpr std::uint64_t wb = 0xf;  // UC | WC | WT | WB
  return Multiboot2Builder()
      .cmdline("console=ttyS0 mm.check")
      .loader_name("GRUB 2.06")
      .tag(21, u32_payload({0x200000u, 0u}))
      .basic_meminfo(640, 129024)
      .mmap({{0x0, 0xa0000, 1}, {0x100000, 0x7e00000, 1}, {0x800000, 0x8000, 4}})
      .framebuffer_rgb(0x80000000, 800, 600, 32)
      .efi64_system_table(0x7f9ee018)
      .acpi_rsdp(true)
      .acpi_rsdp(false)  // GRUB on UEFI gives both; the 2.0 copy must win
      .efi_mmap({{3, 0x0, 1, wb},
                 {7, 0x1000, 0x9f, wb},
                 {7, 0x100000, 0x700, wb},
                 {10, 0x800000, 0x8, wb},
                 {7, 0x808000, 0x8, wb},
                 {10, 0x810000, 0xf0, wb},
                 {4, 0x900000, 0x6fef, wb},
                 {9, 0x7b6f000, 0x10, wb},
                 {0, 0xffc00000, 0x400, 1}},
                48)
      .end()
      .finish();
}

AlignedCopy::AlignedCopy(std::span<const std::byte> bytes)
    : data_(static_cast<std::byte*>(::operator new(bytes.empty() ? 1 : bytes.size(),
                                                   std::align_val_t{8}))),
      size_(bytes.size()) {
  if (!bytes.empty()) std::memcpy(data_.get(), bytes.data(), bytes.size());
}

namespace {
thread_local std::span<const std::byte> current_image;
}  // namespace

std::span<const std::byte> sim_read_phys(std::uint64_t paddr, std::uint64_t size) {
  if (paddr < SIM_PHYS_BASE || paddr - SIM_PHYS_BASE >= current_image.size()) return {};
  const auto rest = current_image.subspan(static_cast<std::size_t>(paddr - SIM_PHYS_BASE));
  return rest.first(size < rest.size() ? static_cast<std::size_t>(size) : rest.size());
}

ScopedPhysImage::ScopedPhysImage(std::span<const std::byte> image) : copy_(image) {
  current_image = copy_.span();
}
ScopedPhysImage::~ScopedPhysImage() { current_image = {}; }

std::span<const std::byte> ScopedPhysImage::start_info(std::size_t size) const {
  const auto image = copy_.span();
  return image.first(size < image.size() ? size : image.size());
}

std::vector<std::byte> PvhImageBuilder::build() const {
  std::vector<std::byte> image(image_size);
  const auto at = [](std::size_t offset) { return SIM_PHYS_BASE + offset; };
  store_u32(image, 0, magic);
  store_u32(image, 4, version);
  store_u32(image, 8, 0);  // flags
  store_u32(image, 12, static_cast<std::uint32_t>(modules.size()));
  store_u64(image, 16, modules.empty() ? 0 : at(MODLIST_OFFSET));
  store_u64(image, 24, has_cmdline ? at(CMDLINE_OFFSET) : 0);
  store_u64(image, 32, rsdp_paddr);
  if (version >= 1) {
    store_u64(image, 40, memmap.empty() ? 0 : at(MEMMAP_OFFSET));
    store_u32(image, 48, static_cast<std::uint32_t>(memmap.size()));
  }
  for (std::size_t i = 0; i < memmap.size(); ++i) {
    const std::size_t offset = MEMMAP_OFFSET + i * 24;
    store_u64(image, offset, memmap[i].base);
    store_u64(image, offset + 8, memmap[i].length);
    store_u32(image, offset + 16, memmap[i].type);
  }
  std::size_t name_offset = NAMES_OFFSET;
  for (std::size_t i = 0; i < modules.size(); ++i) {
    const std::size_t offset = MODLIST_OFFSET + i * 32;
    store_u64(image, offset, modules[i].paddr);
    store_u64(image, offset + 8, modules[i].size);
    store_u64(image, offset + 16, modules[i].name.empty() ? 0 : at(name_offset));
    if (!modules[i].name.empty()) {
      if (image.size() < name_offset + modules[i].name.size() + 1) {
        image.resize(name_offset + modules[i].name.size() + 1);
      }
      std::memcpy(image.data() + name_offset, modules[i].name.data(), modules[i].name.size());
      name_offset += modules[i].name.size() + 1;
    }
  }
  if (has_cmdline) {
    if (terminate_cmdline) {
      if (image.size() < CMDLINE_OFFSET + cmdline.size() + 1) {
        image.resize(CMDLINE_OFFSET + cmdline.size() + 1);
      }
      std::memcpy(image.data() + CMDLINE_OFFSET, cmdline.data(), cmdline.size());
      image[CMDLINE_OFFSET + cmdline.size()] = std::byte{0};
    } else {
      // Never ends: no NUL anywhere up to the module names or the end of the image.
      const std::size_t end = image.size() < NAMES_OFFSET ? image.size() : NAMES_OFFSET;
      for (std::size_t i = CMDLINE_OFFSET; i < end; ++i) image[i] = std::byte{'x'};
    }
  }
  return image;
}

}  // namespace boot::fuzz
