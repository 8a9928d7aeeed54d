#include "arch/x86_64/serial_16550.h"

namespace arch {

using namespace uart_reg;

const char* uart_probe_result_name(UartProbeResult result) {
  switch (result) {
    case UartProbeResult::NotProbed: return "not probed";
    case UartProbeResult::BadBaud: return "unsupported baud rate";
    case UartProbeResult::NoScratch: return "nothing answers (scratch register does not hold a value)";
    case UartProbeResult::EchoMissing: return "scratch register answers, loopback echo never came";
    case UartProbeResult::EchoWrong: return "scratch register answers, loopback echo returned another byte";
    case UartProbeResult::Verified: return "verified by loopback echo";
  }
  return "?";
}

std::uint64_t Uart16550Driver::ticks_for_characters(std::uint32_t characters) {
  // ticks_per_second * bits / baud without overflow (ticks_per_second comes from outside
  // and may be huge; a wait must saturate, never wrap to a tiny one) and without 128-bit
  // division (the kernel has no __udivti3).
  constexpr std::uint64_t U64_MAX = ~std::uint64_t{0};
  const std::uint64_t rate = clock_.ticks_per_second();
  const std::uint64_t bits = std::uint64_t{characters} * UART_BITS_PER_CHARACTER;
  const std::uint64_t whole = rate / baud_, remainder = rate % baud_;
  if (bits != 0 && whole > U64_MAX / bits) return U64_MAX;
  const std::uint64_t ticks = whole * bits + remainder * bits / baud_;
  return ticks == 0 ? 1 : ticks;
}

void Uart16550Driver::program(std::uint32_t baud) {
  registers_.write(IER, 0x00);  // polled: no interrupts
  const std::uint16_t divisor = static_cast<std::uint16_t>(UART_BASE_BAUD / baud);
  registers_.write(LCR, LCR_DLAB);
  registers_.write(DLL, static_cast<std::uint8_t>(divisor & 0xff));
  registers_.write(DLM, static_cast<std::uint8_t>(divisor >> 8));
  registers_.write(LCR, LCR_8N1);
  registers_.write(FCR, FCR_ENABLE_CLEAR_14);
}

UartProbeResult Uart16550Driver::probe(std::uint32_t baud) {
  in_use_ = forced_ = writing_blind_ = stopped_after_timeouts_ = false;
  consecutive_timeouts_ = 0;
  fifo_budget_ = 0;
  wrong_echo_byte_ = 0;
  if (baud == 0 || baud > UART_BASE_BAUD || UART_BASE_BAUD % baud != 0) {
    return probe_result_ = UartProbeResult::BadBaud;
  }
  baud_ = baud;

  // Scratch register: a floating ISA bus reads 0xff, so two patterns rule it out.
  registers_.write(SCR, 0x5a);
  if (registers_.read(SCR) != 0x5a) return probe_result_ = UartProbeResult::NoScratch;
  registers_.write(SCR, 0xa5);
  if (registers_.read(SCR) != 0xa5) return probe_result_ = UartProbeResult::NoScratch;

  program(baud);

  // Loopback round trip: proves a UART (not just some latch) is decoding these ports.
  // Stale received bytes are drained first (the FIFO clear above may not be implemented),
  // so the byte read back is ours.
  registers_.write(MCR, MCR_LOOPBACK);
  for (int i = 0; i < 64 && (registers_.read(LSR) & LSR_DATA_READY) != 0; ++i) {
    registers_.read(RBR);
  }
  registers_.write(THR, LOOPBACK_TEST_BYTE);
  // A bounded time, not a number of reads: how fast a port read is (1 µs on real chips,
  // nanoseconds in some emulators) says nothing about when the echo is due.
  const std::uint64_t wait = ticks_for_characters(ECHO_WAIT_CHARACTERS);
  const std::uint64_t start = clock_.now();
  UartProbeResult result = UartProbeResult::EchoMissing;
  for (std::uint32_t polls = 0; polls < MAX_POLLS_PER_WAIT; ++polls) {
    if ((registers_.read(LSR) & LSR_DATA_READY) != 0) {
      const std::uint8_t byte = registers_.read(RBR);
      if (byte == LOOPBACK_TEST_BYTE) {
        result = UartProbeResult::Verified;
        break;
      }
      // Keep waiting: ours may still come after a stray byte.
      result = UartProbeResult::EchoWrong;
      wrong_echo_byte_ = byte;
    }
    if (clock_.now() - start >= wait) break;
  }
  registers_.write(MCR, MCR_NORMAL);

  // IIR bits 7:6 = 11 only on a 16550A whose FIFOs work (the original 16550 is buggy).
  fifo_depth_ = (registers_.read(IIR) & 0xc0) == 0xc0 ? 16 : 1;
  // Used whenever the scratch register answered; see the policy in the header.
  in_use_ = true;
  return probe_result_ = result;
}

void Uart16550Driver::force() {
  if (in_use_ && forced_) return;
  if (!in_use_) {
    // The probe left it unprogrammed (no scratch register) or it was given up.
    program(baud_);
    registers_.write(MCR, MCR_NORMAL);
    fifo_depth_ = 1;  // unknown chip: never trust a FIFO we could not see
  }
  fifo_budget_ = 0;
  consecutive_timeouts_ = 0;
  in_use_ = forced_ = true;
}

bool Uart16550Driver::wait_transmit_ready() {
  if (fifo_budget_ > 0) return true;
  const std::uint64_t wait =
      ticks_for_characters(writing_blind_ ? BLIND_PACING_CHARACTERS : TRANSMIT_WAIT_CHARACTERS);
  const std::uint64_t start = clock_.now();
  for (std::uint32_t polls = 0; polls < MAX_POLLS_PER_WAIT; ++polls) {
    if ((registers_.read(LSR) & LSR_THR_EMPTY) != 0) {
      // THR empty with FIFOs on means the whole transmit FIFO is empty.
      fifo_budget_ = fifo_depth_;
      consecutive_timeouts_ = 0;
      writing_blind_ = false;
      return true;
    }
    if (clock_.now() - start >= wait) break;
  }
  ++transmit_timeouts_;
  ++consecutive_timeouts_;
  if (forced_) {
    // Forced: the user says a UART is there, so send anyway; stop paying the full
    // timeout per byte once the LSR has shown it never reports "empty".
    if (consecutive_timeouts_ >= MAX_CONSECUTIVE_TIMEOUTS) writing_blind_ = true;
    return true;
  }
  if (consecutive_timeouts_ >= MAX_CONSECUTIVE_TIMEOUTS) {
    in_use_ = false;
    stopped_after_timeouts_ = true;
  }
  return false;
}

void Uart16550Driver::put_raw(char c) {
  if (!in_use_ || !wait_transmit_ready()) {
    ++dropped_;
    return;
  }
  registers_.write(THR, static_cast<std::uint8_t>(c));
  if (fifo_budget_ > 0) --fifo_budget_;
}

void Uart16550Driver::write(std::string_view text) {
  if (!in_use_) return;
  for (char c : text) {
    if (c == '\n') put_raw('\r');
    put_raw(c);
  }
}

}  // namespace arch
