#include "arch/x86_64/idt.h"

#include <cstdint>

#include "arch/x86_64/exception_info.h"
#include "arch/x86_64/gdt.h"

extern "C" const char keel_isr_stubs[];  // exception_entry.S: 256 stubs, 16 bytes apart

namespace arch {
namespace {

constexpr std::uint64_t ISR_STUB_SIZE = 16;  // matches exception_entry.S

struct [[gnu::packed]] IdtGate {
  std::uint16_t offset_low;
  std::uint16_t selector;
  std::uint8_t ist;         // bits 2:0
  std::uint8_t type_attr;   // P | DPL | 0 | type
  std::uint16_t offset_mid;
  std::uint32_t offset_high;
  std::uint32_t reserved;
};
static_assert(sizeof(IdtGate) == 16);

struct [[gnu::packed]] IdtPointer {
  std::uint16_t limit;
  std::uint64_t base;
};

constexpr std::uint8_t GATE_INTERRUPT_PRESENT = 0x8e;  // P=1, DPL=0, 64-bit interrupt gate

alignas(16) constinit IdtGate g_idt[256] = {};

IdtGate make_gate(std::uint64_t handler, std::uint8_t ist) {
  return IdtGate{
      .offset_low = static_cast<std::uint16_t>(handler),
      .selector = KERNEL_CS,
      .ist = ist,
      .type_attr = GATE_INTERRUPT_PRESENT,
      .offset_mid = static_cast<std::uint16_t>(handler >> 16),
      .offset_high = static_cast<std::uint32_t>(handler >> 32),
      .reserved = 0,
  };
}

std::uint8_t ist_for(unsigned vector) {
  switch (vector) {
    case VECTOR_DOUBLE_FAULT: return IST_DOUBLE_FAULT;
    case VECTOR_NMI: return IST_NMI;
    case VECTOR_MACHINE_CHECK: return IST_MACHINE_CHECK;
    default: return 0;
  }
}

}  // namespace

void init_idt() {
  const auto stubs = reinterpret_cast<std::uint64_t>(keel_isr_stubs);
  for (unsigned v = 0; v < 256; ++v) g_idt[v] = make_gate(stubs + v * ISR_STUB_SIZE, ist_for(v));
  load_idt();
}

void load_idt() {
  const IdtPointer idtr{sizeof(g_idt) - 1, reinterpret_cast<std::uint64_t>(g_idt)};
  asm volatile("lidt %0" : : "m"(idtr) : "memory");
}

}  // namespace arch
