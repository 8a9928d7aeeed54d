// What the kernel address space is built from, handed in by the boot code so that mm/
// stays portable (no linker symbols, no CPU queries here).
#pragma once

#include <cstdint>
#include <span>

#include "mm/page_table/page_property.h"
#include "mm/types.h"

namespace mm::kspace {

// A physical range the boot needs in the linear map besides RAM (framebuffer, ACPI tables,
// MMIO), with its cache policy. Parts that overlap RAM keep RAM's (write-back) mapping.
struct ExtraPhysRange {
  PhysRange range;
  page_table::CachePolicy cache = page_table::CachePolicy::Uncached;
  bool writable = true;
};

// One backed piece of the (sparse) frame metadata region:
// [FRAME_METADATA_BASE + offset, + backing.size()) → backing.
struct MetaPiece {
  std::uint64_t offset = 0;
  PhysRange backing;
};

// The kernel image's section boundaries (the linker's __text_start etc., virtual), and
// how the image's virtual addresses relate to physical ones: pa = va - vma_offset.
struct KernelImageLayout {
  Vaddr text_start = 0, text_end = 0;      // R+X
  Vaddr rodata_start = 0, rodata_end = 0;  // R
  Vaddr data_start = 0, data_end = 0;      // RW, NX
  Vaddr ksyms_start = 0, ksyms_end = 0;    // R, NX (may be empty)
  Vaddr bss_start = 0, bss_end = 0;        // RW, NX
  Vaddr vma_offset = 0;                    // KERNEL_VMA in boot/linker.ld
};

struct KernelSpaceSpec {
  std::span<const PhysRange> ram;          // all RAM to linear-map (write-back), any order
  std::span<const ExtraPhysRange> extra;   // more of the linear map, with cache policies
  std::span<const MetaPiece> meta;         // the metadata region's backed pieces
  KernelImageLayout image;
  std::span<const Vaddr> guard_pages;      // image pages left unmapped (stack guards)
};

// The limit of the fixed-size scratch array the builder uses (no heap); RAM ranges have
// none.
inline constexpr std::size_t MAX_GUARD_PAGES = 16;

}  // namespace mm::kspace
