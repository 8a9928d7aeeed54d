#include "arch/x86_64/serial.h"

#include "arch/x86_64/cpu.h"

namespace arch {
namespace {

// Register offsets from the base port.
constexpr std::uint16_t THR = 0;  // transmit holding (write), receive buffer (read)
constexpr std::uint16_t DLL = 0;  // divisor latch low (DLAB=1)
constexpr std::uint16_t IER = 1;  // interrupt enable
constexpr std::uint16_t DLM = 1;  // divisor latch high (DLAB=1)
constexpr std::uint16_t FCR = 2;  // FIFO control (write)
constexpr std::uint16_t IIR = 2;  // interrupt identification (read)
constexpr std::uint16_t LCR = 3;  // line control
constexpr std::uint16_t MCR = 4;  // modem control
constexpr std::uint16_t LSR = 5;  // line status
constexpr std::uint16_t SCR = 7;  // scratch

constexpr std::uint8_t LCR_DLAB = 0x80;
constexpr std::uint8_t LCR_8N1 = 0x03;
constexpr std::uint8_t FCR_ENABLE_CLEAR_14 = 0xc7;  // enable, clear RX/TX, 14-byte trigger
constexpr std::uint8_t MCR_NORMAL = 0x0f;           // DTR, RTS, OUT1, OUT2
constexpr std::uint8_t MCR_LOOPBACK = 0x1e;         // loopback (bit 4), RTS, OUT1, OUT2
constexpr std::uint8_t LSR_THR_EMPTY = 0x20;

// ~65k LSR polls: each port read costs ~1 µs on real hardware, far longer than the
// 87 µs one character takes at 115200 baud, so a timeout means the UART is not draining.
constexpr std::uint32_t TRANSMIT_SPIN_LIMIT = 1u << 16;
// After this many timeouts in a row, treat the port as gone so a panic report is not
// slowed down by ~65 ms per character.
constexpr std::uint8_t MAX_CONSECUTIVE_TIMEOUTS = 4;

}  // namespace

bool Uart16550::init(std::uint16_t port, std::uint32_t baud) {
  present_ = false;
  if (baud == 0 || baud > 115200 || 115200 % baud != 0) return false;
  port_ = port;

  // Scratch register: a floating ISA bus reads 0xff, so two patterns rule it out.
  outb(port + SCR, 0x5a);
  if (inb(port + SCR) != 0x5a) return false;
  outb(port + SCR, 0xa5);
  if (inb(port + SCR) != 0xa5) return false;

  outb(port + IER, 0x00);  // polled: no interrupts
  const std::uint16_t divisor = static_cast<std::uint16_t>(115200 / baud);
  outb(port + LCR, LCR_DLAB);
  outb(port + DLL, static_cast<std::uint8_t>(divisor & 0xff));
  outb(port + DLM, static_cast<std::uint8_t>(divisor >> 8));
  outb(port + LCR, LCR_8N1);
  outb(port + FCR, FCR_ENABLE_CLEAR_14);

  // Loopback round trip: proves a UART (not just some latch) is decoding these ports.
  outb(port + MCR, MCR_LOOPBACK);
  outb(port + THR, 0xae);
  bool echoed = false;
  for (std::uint32_t i = 0; i < 1000 && !echoed; ++i) {
    if ((inb(port + LSR) & 0x01) != 0) echoed = inb(port + THR) == 0xae;  // data ready
  }
  if (!echoed) {
    outb(port + MCR, 0);
    return false;
  }
  outb(port + MCR, MCR_NORMAL);

  // IIR bits 7:6 = 11 only on a 16550A whose FIFOs work (the original 16550 is buggy).
  fifo_depth_ = (inb(port + IIR) & 0xc0) == 0xc0 ? 16 : 1;
  fifo_budget_ = 0;
  consecutive_timeouts_ = 0;
  present_ = true;
  return true;
}

bool Uart16550::wait_transmit_ready() {
  if (fifo_budget_ > 0) return true;
  for (std::uint32_t i = 0; i < TRANSMIT_SPIN_LIMIT; ++i) {
    if ((inb(port_ + LSR) & LSR_THR_EMPTY) != 0) {
      // THR empty with FIFOs on means the whole transmit FIFO is empty.
      fifo_budget_ = fifo_depth_;
      consecutive_timeouts_ = 0;
      return true;
    }
    pause();
  }
  if (++consecutive_timeouts_ >= MAX_CONSECUTIVE_TIMEOUTS) present_ = false;
  return false;
}

void Uart16550::put_raw(char c) {
  if (!present_ || !wait_transmit_ready()) {
    ++dropped_;
    return;
  }
  outb(port_ + THR, static_cast<std::uint8_t>(c));
  --fifo_budget_;
}

void Uart16550::write(std::string_view text) {
  if (!present_) return;
  for (char c : text) {
    if (c == '\n') put_raw('\r');
    put_raw(c);
  }
}

}  // namespace arch
