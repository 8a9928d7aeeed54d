#include "arch/x86_64/apic/local_apic.h"

#include <atomic>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpu_features.h"
#include "arch/x86_64/exceptions.h"
#include "mm/hal.h"
#include "mm/linear_map.h"

namespace arch::apic {
namespace {

constexpr std::uint32_t IA32_APIC_BASE = 0x1b;
constexpr std::uint64_t APIC_BASE_X2APIC = 1ull << 10;
constexpr std::uint64_t APIC_BASE_ENABLE = 1ull << 11;
constexpr std::uint64_t APIC_BASE_ADDRESS_MASK = 0x000f'ffff'ffff'f000;
constexpr std::uint32_t CPUID1_EDX_APIC = 1u << 9;

// Register offsets in the xAPIC page; the x2APIC MSR is 0x800 + offset / 16.
constexpr std::uint32_t REG_ID = 0x20;
constexpr std::uint32_t REG_TPR = 0x80;
constexpr std::uint32_t REG_EOI = 0xb0;
constexpr std::uint32_t REG_SVR = 0xf0;
constexpr std::uint32_t REG_ESR = 0x280;
constexpr std::uint32_t REG_ICR_LOW = 0x300;
constexpr std::uint32_t REG_ICR_HIGH = 0x310;
constexpr std::uint32_t REG_LVT_TIMER = 0x320;
constexpr std::uint32_t REG_LVT_LINT0 = 0x350;
constexpr std::uint32_t REG_LVT_ERROR = 0x370;
constexpr std::uint32_t X2APIC_MSR_BASE = 0x800;
constexpr std::uint32_t X2APIC_SELF_IPI = 0x83f;

constexpr std::uint32_t SVR_ENABLE = 1u << 8;
constexpr std::uint32_t LVT_MASKED = 1u << 16;

constexpr std::uint32_t ICR_DELIVERY_FIXED = 0u << 8;
constexpr std::uint32_t ICR_DELIVERY_NMI = 4u << 8;
constexpr std::uint32_t ICR_DELIVERY_INIT = 5u << 8;
constexpr std::uint32_t ICR_DELIVERY_STARTUP = 6u << 8;
constexpr std::uint32_t ICR_DELIVERY_PENDING = 1u << 12;  // xAPIC only
constexpr std::uint32_t ICR_LEVEL_ASSERT = 1u << 14;
constexpr std::uint32_t ICR_SHORTHAND_SELF = 1u << 18;
constexpr std::uint32_t ICR_SHORTHAND_ALL_BUT_SELF = 3u << 18;

// Set by the boot CPU before any AP starts; APs use the same mode (QEMU and real
// firmware give every CPU the same APIC features).
constinit Mode g_mode = Mode::None;
constinit std::atomic<std::uint64_t> g_errors{0};
constinit std::atomic<std::uint64_t> g_spurious{0};

volatile std::uint32_t* xapic_register(std::uint32_t offset) {
  return static_cast<volatile std::uint32_t*>(mm::phys_to_virt(xapic_mmio_paddr() + offset));
}

std::uint32_t read_register(std::uint32_t offset) {
  if (g_mode == Mode::X2Apic) return static_cast<std::uint32_t>(rdmsr(X2APIC_MSR_BASE + offset / 16));
  return *xapic_register(offset);
}

void write_register(std::uint32_t offset, std::uint32_t value) {
  if (g_mode == Mode::X2Apic) {
    wrmsr(X2APIC_MSR_BASE + offset / 16, value);
  } else {
    *xapic_register(offset) = value;
  }
}

// One ICR command. xAPIC: the high half (destination) first, since the low write sends;
// then wait until the APIC has taken the command, so the next one does not overwrite it.
// x2APIC: one 64-bit MSR write, with no pending state to poll.
void write_icr(std::uint32_t destination, std::uint32_t low) {
  if (g_mode == Mode::X2Apic) {
    // WRMSR to the ICR is not serializing: the fence orders earlier stores (the data the
    // target will read) before the IPI, as the SDM requires for x2APIC.
    asm volatile("mfence" ::: "memory");
    wrmsr(X2APIC_MSR_BASE + REG_ICR_LOW / 16, (std::uint64_t{destination} << 32) | low);
    return;
  }
  write_register(REG_ICR_HIGH, destination << 24);
  write_register(REG_ICR_LOW, low);
  while ((read_register(REG_ICR_LOW) & ICR_DELIVERY_PENDING) != 0) pause();
}

void on_spurious(TrapFrame&) {
  // No EOI: a spurious interrupt is not in service.
  g_spurious.fetch_add(1, std::memory_order_relaxed);
}

void on_error(TrapFrame&) {
  write_register(REG_ESR, 0);  // latches the errors into ESR
  (void)read_register(REG_ESR);
  g_errors.fetch_add(1, std::memory_order_relaxed);
  end_of_interrupt();
}

}  // namespace

std::uint64_t xapic_mmio_paddr() {
  if ((cpuid(1).edx & CPUID1_EDX_APIC) == 0) return 0;
  return rdmsr(IA32_APIC_BASE) & APIC_BASE_ADDRESS_MASK;
}

std::uint32_t cpuid_apic_id() {
  if (cpuid(0).eax >= 0xb) {
    const CpuidResult leaf = cpuid(0xb, 0);
    if (leaf.ebx != 0) return leaf.edx;  // x2APIC ID (leaf 0xb is valid)
  }
  return cpuid(1).ebx >> 24;
}

Mode init_this_cpu() {
  if ((cpuid(1).edx & CPUID1_EDX_APIC) == 0) return Mode::None;
  const bool boot_cpu = g_mode == Mode::None;
  if (boot_cpu) g_mode = detect_cpu_features().x2apic ? Mode::X2Apic : Mode::XApic;
  std::uint64_t base = rdmsr(IA32_APIC_BASE) | APIC_BASE_ENABLE;
  // xAPIC -> x2APIC must pass through the enabled xAPIC state (SDM 10.12.5).
  wrmsr(IA32_APIC_BASE, base);
  if (g_mode == Mode::X2Apic) wrmsr(IA32_APIC_BASE, base | APIC_BASE_X2APIC);

  if (boot_cpu) {
    set_interrupt_handler(VECTOR_SPURIOUS, &on_spurious);
    set_interrupt_handler(VECTOR_ERROR, &on_error);
  }
  write_register(REG_TPR, 0);
  write_register(REG_LVT_TIMER, LVT_MASKED);
  write_register(REG_LVT_LINT0, LVT_MASKED);
  write_register(REG_LVT_ERROR, VECTOR_ERROR);
  write_register(REG_ESR, 0);
  write_register(REG_ESR, 0);
  write_register(REG_SVR, SVR_ENABLE | VECTOR_SPURIOUS);
  return g_mode;
}

Mode mode() { return g_mode; }

std::uint32_t this_apic_id() {
  const std::uint32_t id = read_register(REG_ID);
  return g_mode == Mode::X2Apic ? id : id >> 24;
}

void end_of_interrupt() { write_register(REG_EOI, 0); }

void send_ipi(std::uint32_t apic_id, std::uint8_t vector) {
  write_icr(apic_id, ICR_DELIVERY_FIXED | ICR_LEVEL_ASSERT | vector);
}

void send_ipi_all_but_self(std::uint8_t vector) {
  write_icr(0, ICR_SHORTHAND_ALL_BUT_SELF | ICR_DELIVERY_FIXED | ICR_LEVEL_ASSERT | vector);
}

void send_nmi_all_but_self() {
  write_icr(0, ICR_SHORTHAND_ALL_BUT_SELF | ICR_DELIVERY_NMI | ICR_LEVEL_ASSERT);
}

void send_ipi_self(std::uint8_t vector) {
  if (g_mode == Mode::X2Apic) {
    asm volatile("mfence" ::: "memory");
    wrmsr(X2APIC_SELF_IPI, vector);
    return;
  }
  write_icr(0, ICR_SHORTHAND_SELF | ICR_DELIVERY_FIXED | ICR_LEVEL_ASSERT | vector);
}

void send_init(std::uint32_t apic_id) {
  write_icr(apic_id, ICR_DELIVERY_INIT | ICR_LEVEL_ASSERT);
}

void send_startup(std::uint32_t apic_id, std::uint8_t page) {
  write_icr(apic_id, ICR_DELIVERY_STARTUP | ICR_LEVEL_ASSERT | page);
}

std::uint64_t error_interrupts() { return g_errors.load(std::memory_order_relaxed); }
std::uint64_t spurious_interrupts() { return g_spurious.load(std::memory_order_relaxed); }

}  // namespace arch::apic
