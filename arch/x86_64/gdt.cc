#include "arch/x86_64/gdt.h"

#include <cstddef>

#include "arch/x86_64/cpu.h"
#include "mm/hal.h"
#include "lib/contract/contract.h"
#include "mm/linear_map.h"

// boot/entry.S: the early page tables. boot_pt_kernel holds the 2048 4 KiB PTEs that map
// physical 0..8 MiB at the kernel image base; both symbols are physical addresses.
extern "C" std::uint64_t boot_pml4[];
extern "C" std::uint64_t boot_pt_kernel[];

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

// One GDT and TSS per CPU: ltr marks a TSS descriptor busy, so CPUs cannot share one
// (and each has its own IST stacks). Slot 0 is the boot CPU's.
struct alignas(64) CpuTables {
  std::uint64_t gdt[GDT_ENTRIES];
  Tss tss;
};
constinit CpuTables g_cpu_tables[mm::hal::MAX_CPUS] = {};

// The IST stacks, in .bss, each right above its own guard page. init_gdt_and_tss unmaps
// the guards in the boot page tables, so an IST stack that overflows faults (#PF, then
// #DF on IST1) instead of silently corrupting whatever lies below it.
//
// NOTE(mm, kernel address space): the boot page tables are replaced when mm builds the
// kernel's own. The new kernel-image mapping must leave ist_guard_page(1..3) unmapped
// too (as it must boot_stack_guard), or move these stacks to KSTACKS with guards;
// otherwise the guards silently become ordinary memory again.
constexpr std::uint64_t PAGE_SIZE = 4096;
static_assert(IST_GUARD_SIZE == PAGE_SIZE);
struct alignas(PAGE_SIZE) IstStackWithGuard {
  std::byte guard[PAGE_SIZE];
  std::byte stack[IST_STACK_SIZE];
};
static_assert(IST_STACK_SIZE % PAGE_SIZE == 0);
constinit IstStackWithGuard g_ist_stacks[3] = {};

constexpr std::uint64_t KERNEL_IMAGE_VMA = 0xffff'ffff'8000'0000;  // boot/linker.ld
constexpr std::uint64_t BOOT_PT_KERNEL_ENTRIES = 2048;              // 8 MiB of 4 KiB pages

// Clears the boot PTE that maps the kernel-image page at `va`, if the boot page tables
// are still the live ones (CR3) and map it. Returns whether the page is now unmapped.
bool unmap_in_boot_page_tables(std::uint64_t va) {
  const auto pml4_paddr = reinterpret_cast<std::uint64_t>(boot_pml4);
  if ((read_cr3() & ~std::uint64_t{0xfff}) != pml4_paddr) return false;
  const std::uint64_t index = (va - KERNEL_IMAGE_VMA) / PAGE_SIZE;
  if (va < KERNEL_IMAGE_VMA || index >= BOOT_PT_KERNEL_ENTRIES) return false;
  auto* ptes = static_cast<volatile std::uint64_t*>(
      mm::phys_to_virt(reinterpret_cast<std::uint64_t>(boot_pt_kernel)));
  ptes[index] = 0;
  invlpg(va);
  return true;
}

// A 16-byte "available 64-bit TSS" descriptor (type 0x9), split over two GDT slots.
void set_tss_descriptor(std::uint64_t* slot, std::uint64_t base, std::uint32_t limit) {
  slot[0] = (limit & 0xffff) | ((base & 0xff'ffff) << 16) | (std::uint64_t{0x89} << 40) |
            (std::uint64_t{(limit >> 16) & 0xf} << 48) | (((base >> 24) & 0xff) << 56);
  slot[1] = base >> 32;
}

}  // namespace

StackRange ist_stack(std::uint8_t slot) {
  if (slot < 1 || slot > 3) return {0, 0};
  const auto lo = reinterpret_cast<std::uint64_t>(&g_ist_stacks[slot - 1].stack[0]);
  return {lo, lo + IST_STACK_SIZE};
}

StackRange ist_guard_page(std::uint8_t slot) {
  if (slot < 1 || slot > 3) return {0, 0};
  const auto lo = reinterpret_cast<std::uint64_t>(&g_ist_stacks[slot - 1].guard[0]);
  return {lo, lo + PAGE_SIZE};
}

namespace {

void load_gdt_and_tss(CpuTables& t, const std::uint64_t (&ist_tops)[3]) {
  t.tss = Tss{};
  t.tss.iomap_base = sizeof(Tss);
  for (std::uint8_t slot = 1; slot <= 3; ++slot) t.tss.ist[slot - 1] = ist_tops[slot - 1];

  t.gdt[0] = 0;
  t.gdt[KERNEL_CS / 8] = KERNEL_CODE64;
  t.gdt[KERNEL_DS / 8] = KERNEL_DATA;
  t.gdt[(USER_DS & ~3) / 8] = USER_DATA;
  t.gdt[(USER_CS & ~3) / 8] = USER_CODE64;
  // Rewritten on every call: ltr marks the descriptor busy, and ltr on a busy TSS faults.
  set_tss_descriptor(&t.gdt[TSS_SELECTOR / 8], reinterpret_cast<std::uint64_t>(&t.tss),
                     sizeof(Tss) - 1);

  const DescriptorPointer gdtr{sizeof(t.gdt) - 1, reinterpret_cast<std::uint64_t>(t.gdt)};
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
      "movw %%ax, %%fs\n\t"  // null FS/GS; the GS base (per-CPU data) is set after this
      "movw %%ax, %%gs\n\t"
      :
      : [cs] "i"(KERNEL_CS), [ds] "r"(static_cast<std::uint32_t>(KERNEL_DS))
      : "rax", "memory");

  asm volatile("ltr %w0" : : "r"(static_cast<std::uint32_t>(TSS_SELECTOR)) : "memory");
}

}  // namespace

void init_gdt_and_tss() {
  std::uint64_t ist_tops[3];
  for (std::uint8_t slot = 1; slot <= 3; ++slot) {
    ist_tops[slot - 1] = ist_stack(slot).hi;
    unmap_in_boot_page_tables(ist_guard_page(slot).lo);
  }
  load_gdt_and_tss(g_cpu_tables[0], ist_tops);
}

void init_gdt_and_tss_for_ap(unsigned cpu, const std::uint64_t (&ist_tops)[3]) {
  KREQUIRES(cpu > 0 && cpu < mm::hal::MAX_CPUS);
  load_gdt_and_tss(g_cpu_tables[cpu], ist_tops);
}

}  // namespace arch
