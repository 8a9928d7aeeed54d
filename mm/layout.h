// The kernel virtual address-space layout (x86-64, 4-level paging; 5-level keeps the same
// addresses, all of which are canonical under LA57 too).
//
//   0x0000_0000_0000_0000 ┬─────────────────────────────────────────────
//                         │ user half (unused by keel; null page never mapped)
//   0x0000_7fff_ffff_ffff ┴─────────────────────────────────────────────
//                           non-canonical hole
//   0xffff_8000_0000_0000 ┬ LINEAR_MAP: all RAM, pa → LINEAR_MAP_BASE + pa   (64 TiB)
//   0xffff_c000_0000_0000 ┼ guard gap                                           (2 TiB)
//   0xffff_c200_0000_0000 ┼ KSTACKS: kernel stacks, each with an unmapped guard (1 TiB)
//   0xffff_c300_0000_0000 ┼ guard gap                                           
//   0xffff_e000_0000_0000 ┼ FRAME_METADATA: one 64-byte MetaSlot per frame      (1 TiB)
//   0xffff_e100_0000_0000 ┼ guard gap / test mappings (KTEST_VA)                
//   0xffff_ffff_8000_0000 ┼ KERNEL_IMAGE: text, rodata, data, bss (-2 GiB, -mcmodel=kernel)
//   0xffff_ffff_ffff_ffff ┴─────────────────────────────────────────────
#pragma once

#include <cstdint>

#include "mm/types.h"

namespace mm::layout {

inline constexpr Vaddr LINEAR_MAP_BASE = 0xffff'8000'0000'0000;
inline constexpr Vaddr LINEAR_MAP_END = LINEAR_MAP_BASE + MAX_PADDR;  // 64 TiB

inline constexpr Vaddr KSTACKS_BASE = 0xffff'c200'0000'0000;
inline constexpr Vaddr KSTACKS_END = 0xffff'c300'0000'0000;

inline constexpr Vaddr FRAME_METADATA_BASE = 0xffff'e000'0000'0000;
inline constexpr std::uint64_t META_SLOT_SIZE = 64;
inline constexpr Vaddr FRAME_METADATA_END = FRAME_METADATA_BASE + MAX_NR_PAGES * META_SLOT_SIZE;

// A scratch window for in-kernel tests that map and unmap frames.
inline constexpr Vaddr KTEST_VA_BASE = 0xffff'e800'0000'0000;
inline constexpr Vaddr KTEST_VA_END = 0xffff'e900'0000'0000;

inline constexpr Vaddr KERNEL_IMAGE_BASE = 0xffff'ffff'8000'0000;

// Until the kernel address space replaces them, the boot page tables (boot/entry.S) map
// physical [0, 4 GiB) at LINEAR_MAP_BASE, and nothing above.
inline constexpr Paddr BOOT_LINEAR_MAP_LIMIT = Paddr{4} << 30;

static_assert(LINEAR_MAP_END <= KSTACKS_BASE);
static_assert(KSTACKS_END <= FRAME_METADATA_BASE);
static_assert(FRAME_METADATA_END <= KTEST_VA_BASE);
static_assert(KTEST_VA_END <= KERNEL_IMAGE_BASE);

}  // namespace mm::layout
