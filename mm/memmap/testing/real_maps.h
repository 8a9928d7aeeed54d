// Firmware memory maps as real machines report them, for tests (entries: base, length,
// type number, kind). The OVMF maps are generated from /work/shared/data/e820/*.json;
// the others are written as QEMU, SeaBIOS and Firecracker build them.
#pragma once

#include "mm/memmap/firmware_region.h"

namespace mm::memmap::testing {

// QEMU pc (i440FX), SeaBIOS, -m 512M: the e820 map as Linux prints it.
inline constexpr FirmwareRegion SEABIOS_PC_512M[] = {
    {0x0, 0x9fc00, 1, FirmwareMapKind::E820},
    {0x9fc00, 0x400, 2, FirmwareMapKind::E820},
    {0xf0000, 0x10000, 2, FirmwareMapKind::E820},
    {0x100000, 0x1fee0000, 1, FirmwareMapKind::E820},
    {0x1ffe0000, 0x20000, 2, FirmwareMapKind::E820},
    {0xfeffc000, 0x4000, 2, FirmwareMapKind::E820},
    {0xfffc0000, 0x40000, 2, FirmwareMapKind::E820},
};

// QEMU pc, SeaBIOS, -m 6G: 3 GiB below the PCI hole, the rest from 4 GiB.
inline constexpr FirmwareRegion SEABIOS_PC_6G[] = {
    {0x0, 0x9fc00, 1, FirmwareMapKind::E820},
    {0x9fc00, 0x400, 2, FirmwareMapKind::E820},
    {0xf0000, 0x10000, 2, FirmwareMapKind::E820},
    {0x100000, 0xbfee0000, 1, FirmwareMapKind::E820},
    {0xbffe0000, 0x20000, 2, FirmwareMapKind::E820},
    {0xfeffc000, 0x4000, 2, FirmwareMapKind::E820},
    {0xfffc0000, 0x40000, 2, FirmwareMapKind::E820},
    {0x100000000, 0xc0000000, 1, FirmwareMapKind::E820},
};

// QEMU q35, SeaBIOS, -m 2G: adds MMCONFIG (0xb0000000) and the TSEG/RCRB range; newer
// QEMU on AMD hosts also reserves the HyperTransport window at 1012 GiB..1 TiB.
inline constexpr FirmwareRegion SEABIOS_Q35_WITH_2G[] = {
    {0x0, 0x9fc00, 1, FirmwareMapKind::E820},
    {0x9fc00, 0x400, 2, FirmwareMapKind::E820},
    {0xf0000, 0x10000, 2, FirmwareMapKind::E820},
    {0x100000, 0x7fee0000, 1, FirmwareMapKind::E820},
    {0x7ffe0000, 0x20000, 2, FirmwareMapKind::E820},
    {0xb0000000, 0x10000000, 2, FirmwareMapKind::E820},
    {0xfed1c000, 0x4000, 2, FirmwareMapKind::E820},
    {0xfeffc000, 0x4000, 2, FirmwareMapKind::E820},
    {0xfffc0000, 0x40000, 2, FirmwareMapKind::E820},
    {0xfd00000000, 0x300000000, 2, FirmwareMapKind::E820},
};

// QEMU microvm, -m 256M, PVH boot: QEMU's own e820 table, one RAM entry.
inline constexpr FirmwareRegion MICROVM_PVH_256M[] = {
    {0x0, 0x10000000, 1, FirmwareMapKind::E820},
};

// QEMU pc, -m 512M, PVH boot (-kernel, no firmware): RAM plus KVM's identity-map/TSS pages.
inline constexpr FirmwareRegion PC_PVH_512M[] = {
    {0x0, 0x20000000, 1, FirmwareMapKind::E820},
    {0xfeffc000, 0x4000, 2, FirmwareMapKind::E820},
};

// Firecracker, 4 GiB: RAM below the EBDA (ends at 0x9fc00), from 1 MiB to the 768 MiB MMIO
// gap, the rest above 4 GiB — listed out of order, as its configure_system may.
inline constexpr FirmwareRegion FIRECRACKER_4G[] = {
    {0x100000, 0xcff00000, 1, FirmwareMapKind::E820},
    {0x100000000, 0x30000000, 1, FirmwareMapKind::E820},
    {0x0, 0x9fc00, 1, FirmwareMapKind::E820},
};

// github:Kostr/UEFI-Lessons Lessons/Lesson_12/README.md (commit 49fd8f1b4d8ab3473f29646f17e4f97f0ca9fce6)
// QEMU (default i440FX machine, 128 MiB) with self-built OVMF (EDK II RELEASE_GCC5), buildroot x86_64 EFI kernel
inline constexpr FirmwareRegion OVMF_128M_E820[] = {
    {0x0, 0xa0000, 1, FirmwareMapKind::E820},
    {0x100000, 0x700000, 1, FirmwareMapKind::E820},
    {0x800000, 0x8000, 4, FirmwareMapKind::E820},
    {0x808000, 0x8000, 1, FirmwareMapKind::E820},
    {0x810000, 0xf0000, 4, FirmwareMapKind::E820},
    {0x900000, 0x6fef000, 1, FirmwareMapKind::E820},
    {0x78ef000, 0x280000, 2, FirmwareMapKind::E820},
    {0x7b6f000, 0x10000, 3, FirmwareMapKind::E820},
    {0x7b7f000, 0x80000, 4, FirmwareMapKind::E820},
    {0x7bff000, 0x2f5000, 1, FirmwareMapKind::E820},
    {0x7ef4000, 0x84000, 2, FirmwareMapKind::E820},
    {0x7f78000, 0x88000, 4, FirmwareMapKind::E820},
    {0xffc00000, 0x400000, 2, FirmwareMapKind::E820},
};

// github:Kostr/UEFI-Lessons Lessons/Lesson_11/README.md (commit 49fd8f1b4d8ab3473f29646f17e4f97f0ca9fce6)
// QEMU (i440FX, 128 MiB) with OVMF; raw UEFI GetMemoryMap() dump printed by a UEFI shell app (MemoryInfo.efi)
inline constexpr FirmwareRegion OVMF_128M_EFI[] = {
    {0x0, 0x1000, 3, FirmwareMapKind::Efi},
    {0x1000, 0x9f000, 7, FirmwareMapKind::Efi},
    {0x100000, 0x700000, 7, FirmwareMapKind::Efi},
    {0x800000, 0x8000, 10, FirmwareMapKind::Efi},
    {0x808000, 0x8000, 7, FirmwareMapKind::Efi},
    {0x810000, 0xf0000, 10, FirmwareMapKind::Efi},
    {0x900000, 0xc00000, 4, FirmwareMapKind::Efi},
    {0x1500000, 0x2a36000, 7, FirmwareMapKind::Efi},
    {0x3f36000, 0x20000, 4, FirmwareMapKind::Efi},
    {0x3f56000, 0x27e5000, 7, FirmwareMapKind::Efi},
    {0x673b000, 0xd1000, 1, FirmwareMapKind::Efi},
    {0x680c000, 0x4a000, 7, FirmwareMapKind::Efi},
    {0x6856000, 0x1e000, 4, FirmwareMapKind::Efi},
    {0x6874000, 0x17000, 7, FirmwareMapKind::Efi},
    {0x688b000, 0x3000, 1, FirmwareMapKind::Efi},
    {0x688e000, 0x1000, 7, FirmwareMapKind::Efi},
    {0x688f000, 0x61c000, 4, FirmwareMapKind::Efi},
    {0x6eab000, 0x22000, 3, FirmwareMapKind::Efi},
    {0x6ecd000, 0x6000, 4, FirmwareMapKind::Efi},
    {0x6ed3000, 0x7000, 3, FirmwareMapKind::Efi},
    {0x6eda000, 0x2000, 4, FirmwareMapKind::Efi},
    {0x6edc000, 0x18000, 3, FirmwareMapKind::Efi},
    {0x6ef4000, 0x2000, 4, FirmwareMapKind::Efi},
    {0x6ef6000, 0x8000, 3, FirmwareMapKind::Efi},
    {0x6efe000, 0x1000, 4, FirmwareMapKind::Efi},
    {0x6eff000, 0xe000, 3, FirmwareMapKind::Efi},
    {0x6f0d000, 0x1000, 4, FirmwareMapKind::Efi},
    {0x6f0e000, 0x3000, 3, FirmwareMapKind::Efi},
    {0x6f11000, 0x7000, 4, FirmwareMapKind::Efi},
    {0x6f18000, 0xf000, 3, FirmwareMapKind::Efi},
    {0x6f27000, 0x2000, 4, FirmwareMapKind::Efi},
    {0x6f29000, 0x14000, 3, FirmwareMapKind::Efi},
    {0x6f3d000, 0x7000, 4, FirmwareMapKind::Efi},
    {0x6f44000, 0x23000, 3, FirmwareMapKind::Efi},
    {0x6f67000, 0x3000, 4, FirmwareMapKind::Efi},
    {0x6f6a000, 0x5000, 3, FirmwareMapKind::Efi},
    {0x6f6f000, 0x2000, 4, FirmwareMapKind::Efi},
    {0x6f71000, 0x10000, 3, FirmwareMapKind::Efi},
    {0x6f81000, 0x2000, 4, FirmwareMapKind::Efi},
    {0x6f83000, 0x3000, 3, FirmwareMapKind::Efi},
    {0x6f86000, 0x2000, 4, FirmwareMapKind::Efi},
    {0x6f88000, 0xc000, 3, FirmwareMapKind::Efi},
    {0x6f94000, 0x2000, 4, FirmwareMapKind::Efi},
    {0x6f96000, 0xb000, 3, FirmwareMapKind::Efi},
    {0x6fa1000, 0x2000, 4, FirmwareMapKind::Efi},
    {0x6fa3000, 0x5000, 3, FirmwareMapKind::Efi},
    {0x6fa8000, 0x2000, 4, FirmwareMapKind::Efi},
    {0x6faa000, 0x7000, 3, FirmwareMapKind::Efi},
    {0x6fb1000, 0x6000, 4, FirmwareMapKind::Efi},
    {0x6fb7000, 0x4000, 3, FirmwareMapKind::Efi},
    {0x6fbb000, 0x1000, 4, FirmwareMapKind::Efi},
    {0x6fbc000, 0x2d000, 3, FirmwareMapKind::Efi},
    {0x6fe9000, 0x2000, 4, FirmwareMapKind::Efi},
    {0x6feb000, 0x15000, 3, FirmwareMapKind::Efi},
    {0x7000000, 0x201000, 4, FirmwareMapKind::Efi},
    {0x7201000, 0x1000, 3, FirmwareMapKind::Efi},
    {0x7202000, 0x4000, 4, FirmwareMapKind::Efi},
    {0x7206000, 0x1000, 3, FirmwareMapKind::Efi},
    {0x7207000, 0x1000, 4, FirmwareMapKind::Efi},
    {0x7208000, 0x7000, 3, FirmwareMapKind::Efi},
    {0x720f000, 0x7000, 4, FirmwareMapKind::Efi},
    {0x7216000, 0x4000, 3, FirmwareMapKind::Efi},
    {0x721a000, 0x5000, 4, FirmwareMapKind::Efi},
    {0x721f000, 0xe000, 3, FirmwareMapKind::Efi},
    {0x722d000, 0x4000, 4, FirmwareMapKind::Efi},
    {0x7231000, 0x12000, 3, FirmwareMapKind::Efi},
    {0x7243000, 0x4000, 4, FirmwareMapKind::Efi},
    {0x7247000, 0x11000, 3, FirmwareMapKind::Efi},
    {0x7258000, 0x1000, 4, FirmwareMapKind::Efi},
    {0x7259000, 0x4000, 3, FirmwareMapKind::Efi},
    {0x725d000, 0x4000, 4, FirmwareMapKind::Efi},
    {0x7261000, 0x3000, 3, FirmwareMapKind::Efi},
    {0x7264000, 0x3000, 4, FirmwareMapKind::Efi},
    {0x7267000, 0x18000, 3, FirmwareMapKind::Efi},
    {0x727f000, 0x1000, 4, FirmwareMapKind::Efi},
    {0x7280000, 0x4000, 3, FirmwareMapKind::Efi},
    {0x7284000, 0x4000, 4, FirmwareMapKind::Efi},
    {0x7288000, 0x1000, 3, FirmwareMapKind::Efi},
    {0x7289000, 0x1000, 4, FirmwareMapKind::Efi},
    {0x728a000, 0x6000, 3, FirmwareMapKind::Efi},
    {0x7290000, 0x2000, 4, FirmwareMapKind::Efi},
    {0x7292000, 0x1000, 3, FirmwareMapKind::Efi},
    {0x7293000, 0x1000, 4, FirmwareMapKind::Efi},
    {0x7294000, 0x3000, 3, FirmwareMapKind::Efi},
    {0x7297000, 0x2000, 4, FirmwareMapKind::Efi},
    {0x7299000, 0x3000, 3, FirmwareMapKind::Efi},
    {0x729c000, 0x2000, 4, FirmwareMapKind::Efi},
    {0x729e000, 0x1000, 3, FirmwareMapKind::Efi},
    {0x729f000, 0xa000, 4, FirmwareMapKind::Efi},
    {0x72a9000, 0xc000, 3, FirmwareMapKind::Efi},
    {0x72b5000, 0x2000, 4, FirmwareMapKind::Efi},
    {0x72b7000, 0x1000, 3, FirmwareMapKind::Efi},
    {0x72b8000, 0x3000, 4, FirmwareMapKind::Efi},
    {0x72bb000, 0x6000, 3, FirmwareMapKind::Efi},
    {0x72c1000, 0x400000, 4, FirmwareMapKind::Efi},
    {0x76c1000, 0x6000, 3, FirmwareMapKind::Efi},
    {0x76c7000, 0x2000, 4, FirmwareMapKind::Efi},
    {0x76c9000, 0xb000, 3, FirmwareMapKind::Efi},
    {0x76d4000, 0x3000, 4, FirmwareMapKind::Efi},
    {0x76d7000, 0x3000, 3, FirmwareMapKind::Efi},
    {0x76da000, 0x215000, 4, FirmwareMapKind::Efi},
    {0x78ef000, 0x100000, 6, FirmwareMapKind::Efi},
    {0x79ef000, 0x100000, 5, FirmwareMapKind::Efi},
    {0x7aef000, 0x80000, 0, FirmwareMapKind::Efi},
    {0x7b6f000, 0x10000, 9, FirmwareMapKind::Efi},
    {0x7b7f000, 0x80000, 10, FirmwareMapKind::Efi},
    {0x7bff000, 0x201000, 4, FirmwareMapKind::Efi},
    {0x7e00000, 0x9d000, 7, FirmwareMapKind::Efi},
    {0x7e9d000, 0x20000, 4, FirmwareMapKind::Efi},
    {0x7ebd000, 0x1a000, 3, FirmwareMapKind::Efi},
    {0x7ed7000, 0x9000, 4, FirmwareMapKind::Efi},
    {0x7ee0000, 0x14000, 3, FirmwareMapKind::Efi},
    {0x7ef4000, 0x84000, 6, FirmwareMapKind::Efi},
    {0x7f78000, 0x88000, 10, FirmwareMapKind::Efi},
    {0xffc00000, 0x400000, 11, FirmwareMapKind::Efi},
};

}  // namespace mm::memmap::testing
