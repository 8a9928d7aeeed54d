#include "arch/x86_64/gdt.h"

#include <cstddef>

namespace arch {
namespace {

// The 64-bit TSS: no task switching, just stack pointers (RSP0 for future ring-3 entry
// and the IST stacks). No I/O permission bitmap (iomap_base points past the end).
struct [[gnu::packed]] Tss {
  std::uint32_t reserved0;
  std::uint64_t rsp[3];
  std::uint64_t reserved1;
  std::uint64_t ist[7];
  std::uint64_t reserved2;
  std::uint16_t reserved3;
  std::uint16_t iomap_base;
};
static_assert(sizeof(Tss) == 104);
static_assert(offsetof(Tss, ist) == 0x24);

struct [[gnu::packed]] DescriptorPointer {
  std::uint16_t limit;
  std::uint64_t base;
};

// Flat segment descriptors; the accessed bit is preset so the CPU never writes the GDT.
constexpr std::uint64_t KERNEL_CODE64 = 0x00af'9b00'0000'ffff;  // P, DPL0, code, L=1
constexpr std::uint64_t KERNEL_DATA = 0x00cf'9300'0000'ffff;    // P, DPL0, data, writable
constexpr std::uint64_t USER_DATA = 0x00cf'f300'0000'ffff;      // P, DPL3, data, writable
constexpr std::uint64_t USER_CODE64 = 0x00af'fb00'0000'ffff;    // P, DPL3, code, L=1

constexpr std::size_t GDT_ENTRIES = 7;  // null, kcode, kdata, udata, ucode, TSS (2 slots)

alignas(16) constinit std::uint64_t g_gdt[GDT_ENTRIES] = {};
alignas(16) constinit Tss g_tss = {};

// The IST stacks, in .bss. TODO(mm): once the kernel page tables are keel's own, unmap
// the page below each stack (or move them to KSTACKS with guards) so an overflow faults
// instead of silently corrupting the neighbouring stack.
alignas(16) constinit std::byte g_ist_stacks[3][IST_STACK_SIZE] = {};

// A 16-byte "available 64-bit TSS" descriptor (type 0x9), split over two GDT slots.
void set_tss_descriptor(std::uint64_t* slot, std::uint64_t base, std::uint32_t limit) {
  slot[0] = (limit & 0xffff) | ((base & 0xff'ffff) << 16) | (std::uint64_t{0x89} << 40) |
            (std::uint64_t{(limit >> 16) & 0xf} << 48) | (((base >> 24) & 0xff) << 56);
  slot[1] = base >> 32;
}

}  // namespace

StackRange ist_stack(std::uint8_t slot) {
  if (slot < 1 || slot > 3) return {0, 0};
  const auto lo = reinterpret_cast<std::uint64_t>(&g_ist_stacks[slot - 1][0]);
  return {lo, lo + IST_STACK_SIZE};
}

void init_gdt_and_tss() {
  g_tss = Tss{};
  g_tss.iomap_base = sizeof(Tss);
  for (std::uint8_t slot = 1; slot <= 3; ++slot) g_tss.ist[slot - 1] = ist_stack(slot).hi;

  g_gdt[0] = 0;
  g_gdt[KERNEL_CS / 8] = KERNEL_CODE64;
  g_gdt[KERNEL_DS / 8] = KERNEL_DATA;
  g_gdt[(USER_DS & ~3) / 8] = USER_DATA;
  g_gdt[(USER_CS & ~3) / 8] = USER_CODE64;
  // Rewritten on every call: ltr marks the descriptor busy, and ltr on a busy TSS faults.
  set_tss_descriptor(&g_gdt[TSS_SELECTOR / 8], reinterpret_cast<std::uint64_t>(&g_tss),
                     sizeof(Tss) - 1);

  const DescriptorPointer gdtr{sizeof(g_gdt) - 1, reinterpret_cast<std::uint64_t>(g_gdt)};
  asm volatile("lgdt %0" : : "m"(gdtr) : "memory");

  // CS can only be reloaded by a far transfer: push selector and target, then lretq.
  asm volatile(
      "pushq %[cs]\n\t"
      "leaq 1f(%%rip), %%rax\n\t"
      "pushq %%rax\n\t"
      "lretq\n"
      "1:\n\t"
      "movw %w[ds], %%ax\n\t"
      "movw %%ax, %%ds\n\t"
      "movw %%ax, %%es\n\t"
      "movw %%ax, %%ss\n\t"
      "xorl %%eax, %%eax\n\t"
      "movw %%ax, %%fs\n\t"  // null FS/GS: nothing uses them yet (per-CPU GS comes later)
      "movw %%ax, %%gs\n\t"
      :
      : [cs] "i"(KERNEL_CS), [ds] "r"(static_cast<std::uint32_t>(KERNEL_DS))
      : "rax", "memory");

  asm volatile("ltr %w0" : : "r"(static_cast<std::uint32_t>(TSS_SELECTOR)) : "memory");
}

}  // namespace arch
