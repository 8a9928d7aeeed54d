// The legacy 8259 PIC pair. keel does not use it (LAPIC/IOAPIC later), but after reset it
// delivers IRQ 0-7 on vectors 8-15, on top of CPU exceptions. disable_legacy_pic() moves
// it to vectors 0x20-0x2f and masks every line, so a stray or spurious IRQ shows up as an
// "unexpected interrupt" instead of a fake double fault.
#pragma once

#include <cstdint>

namespace arch {

inline constexpr std::uint8_t PIC_VECTOR_BASE = 0x20;

void disable_legacy_pic();

// IRQ 7 / IRQ 15 spurious interrupts arrive even when masked.
constexpr bool is_legacy_pic_spurious_vector(std::uint64_t vector) {
  return vector == PIC_VECTOR_BASE + 7 || vector == PIC_VECTOR_BASE + 15;
}

}  // namespace arch
