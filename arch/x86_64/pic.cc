#include "arch/x86_64/pic.h"

#include "arch/x86_64/cpu.h"

namespace arch {
namespace {
constexpr std::uint16_t PIC1_CMD = 0x20, PIC1_DATA = 0x21;
constexpr std::uint16_t PIC2_CMD = 0xa0, PIC2_DATA = 0xa1;
constexpr std::uint8_t ICW1_INIT_ICW4 = 0x11;
constexpr std::uint8_t ICW4_8086 = 0x01;
}  // namespace

void disable_legacy_pic() {
  // The standard initialization sequence: ICW1..ICW4 to each chip.
  outb(PIC1_CMD, ICW1_INIT_ICW4);
  io_wait();
  outb(PIC2_CMD, ICW1_INIT_ICW4);
  io_wait();
  outb(PIC1_DATA, PIC_VECTOR_BASE);  // ICW2: vector offsets
  io_wait();
  outb(PIC2_DATA, PIC_VECTOR_BASE + 8);
  io_wait();
  outb(PIC1_DATA, 1 << 2);  // ICW3: slave on IRQ 2
  io_wait();
  outb(PIC2_DATA, 2);       // ICW3: slave identity
  io_wait();
  outb(PIC1_DATA, ICW4_8086);
  io_wait();
  outb(PIC2_DATA, ICW4_8086);
  io_wait();
  outb(PIC1_DATA, 0xff);  // mask everything
  outb(PIC2_DATA, 0xff);
}

}  // namespace arch
