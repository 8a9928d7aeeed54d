// The 16550 UART driver's decisions — probe, program, transmit, give up — over an
// abstract register file and clock, so host tests can run the very same code against
// simulated ports (an echo that comes late, one that never comes, a transmitter that never
// drains) with a fake clock. arch/x86_64/serial.h binds it to port I/O and the TSC.
//
// Policy (a console must not go silent by mistake):
//   - Nothing keeps a value in the scratch register: no UART here (a floating ISA bus
//     reads 0xff). Not used unless forced.
//   - The scratch register answers and the loopback echo comes back within
//     ECHO_WAIT_CHARACTERS character times: a verified UART.
//   - The scratch register answers but the echo never comes (an emulator that does not
//     model loopback, a chip with a quirky MCR): the port is still used, because
//     something UART-like decodes it and losing the log is worse than writing into the
//     void. It stops being used only if its transmitter then never drains
//     (MAX_CONSECUTIVE_TIMEOUTS transmit timeouts in a row).
//   - force() (console=serial): program the port and write to it whatever the probe
//     said, and never stop; after repeated timeouts it writes blind, paced at about one
//     character time per byte, so an LSR that never reports "empty" cannot stall the log.
//
// Every wait is bounded twice: by clock ticks (the real bound) and by a count of register
// reads, which ends the wait even if the clock does not advance (a frozen TSC in a broken
// emulator must not hang the boot).
#pragma once

#include <cstdint>
#include <string_view>

#include "lib/fmt/format.h"

namespace arch {

// Offsets of the 16550 registers from the base port.
namespace uart_reg {
inline constexpr std::uint16_t THR = 0;  // transmit holding (write), receive buffer (read)
inline constexpr std::uint16_t RBR = 0;
inline constexpr std::uint16_t DLL = 0;  // divisor latch low (DLAB=1)
inline constexpr std::uint16_t IER = 1;  // interrupt enable
inline constexpr std::uint16_t DLM = 1;  // divisor latch high (DLAB=1)
inline constexpr std::uint16_t FCR = 2;  // FIFO control (write)
inline constexpr std::uint16_t IIR = 2;  // interrupt identification (read)
inline constexpr std::uint16_t LCR = 3;  // line control
inline constexpr std::uint16_t MCR = 4;  // modem control
inline constexpr std::uint16_t LSR = 5;  // line status
inline constexpr std::uint16_t SCR = 7;  // scratch

inline constexpr std::uint8_t LCR_DLAB = 0x80;
inline constexpr std::uint8_t LCR_8N1 = 0x03;
inline constexpr std::uint8_t FCR_ENABLE_CLEAR_14 = 0xc7;  // enable, clear RX/TX, 14-byte trigger
inline constexpr std::uint8_t MCR_NORMAL = 0x0f;           // DTR, RTS, OUT1, OUT2
inline constexpr std::uint8_t MCR_LOOPBACK = 0x1e;         // loopback (bit 4), RTS, OUT1, OUT2
inline constexpr std::uint8_t LSR_DATA_READY = 0x01;
inline constexpr std::uint8_t LSR_THR_EMPTY = 0x20;
}  // namespace uart_reg

// The base clock of a PC UART: the divisor is 115200 / baud.
inline constexpr std::uint32_t UART_BASE_BAUD = 115200;
// 8N1: start bit, 8 data bits, stop bit.
inline constexpr std::uint32_t UART_BITS_PER_CHARACTER = 10;

// How long the probe waits for the loopback echo, in character times at the configured
// baud. One character time is what the echo needs on a real 16550; emulators deliver it
// from their own timers, possibly a few ticks later, so the wait is generous. It costs
// boot time only when the echo never comes (~1.4 ms at 115200 baud, more when the clock's
// rate is only an upper bound).
inline constexpr std::uint32_t ECHO_WAIT_CHARACTERS = 16;
// How long a write waits for the transmitter to empty: a full 16-byte FIFO drains in 16
// character times, so 64 means the UART is not draining at all.
inline constexpr std::uint32_t TRANSMIT_WAIT_CHARACTERS = 64;
// A forced port writing blind waits this long per byte instead: about what the byte
// takes on the wire, so a UART that works but never reports it is not overrun.
inline constexpr std::uint32_t BLIND_PACING_CHARACTERS = 2;
// Register reads after which any wait ends even if the clock never reached its deadline
// (a clock that does not advance). ~1 s at the ~1 µs a port read costs on real hardware.
inline constexpr std::uint32_t MAX_POLLS_PER_WAIT = 1u << 20;
// Transmit timeouts in a row after which an unforced port is given up, so a panic
// report is not slowed down by a dead UART for every character.
inline constexpr std::uint32_t MAX_CONSECUTIVE_TIMEOUTS = 4;
// The byte sent through the loopback.
inline constexpr std::uint8_t LOOPBACK_TEST_BYTE = 0xae;

// Register access for one UART (offsets above, from its base port).
class UartRegisters {
 public:
  virtual std::uint8_t read(std::uint16_t offset) = 0;
  virtual void write(std::uint16_t offset, std::uint8_t value) = 0;

 protected:
  ~UartRegisters() = default;
};

// A monotonic tick counter for the driver's bounded waits.
class UartClock {
 public:
  virtual std::uint64_t now() = 0;
  // Ticks per second, or an upper bound of it: a wait computed from an overestimate
  // lasts longer than asked in real time, never shorter, which is the safe direction.
  virtual std::uint64_t ticks_per_second() = 0;

 protected:
  ~UartClock() = default;
};

enum class UartProbeResult : std::uint8_t {
  NotProbed,
  BadBaud,      // baud 0, above 115200, or not a divisor of it
  NoScratch,    // the scratch register does not keep a value: no UART at this port
  EchoMissing,  // scratch answers, the loopback echo never came: used, unverified
  EchoWrong,    // scratch answers, the loopback returned a different byte: used, unverified
  Verified,     // scratch and loopback echo both answer
};

// "verified by loopback echo", "no loopback echo", ... for the boot banner.
const char* uart_probe_result_name(UartProbeResult result);

class Uart16550Driver final : public keel::fmt::Sink {
 public:
  constexpr Uart16550Driver(UartRegisters& registers, UartClock& clock)
      : registers_(registers), clock_(clock) {}
  Uart16550Driver(const Uart16550Driver&) = delete;
  Uart16550Driver& operator=(const Uart16550Driver&) = delete;

  // Probes the port and programs it for 8N1 at `baud` (must divide 115200), applying the
  // policy above. Returns what the probe found; in_use() says whether writes go out.
  UartProbeResult probe(std::uint32_t baud = UART_BASE_BAUD);
  // Uses the port whatever probe() found (console=serial): programs it (at the baud of
  // the last probe, else 115200) and never gives it up. Keeps probe_result().
  void force();

  // Translates "\n" to "\r\n". A no-op unless in_use().
  void write(std::string_view text) override;

  bool in_use() const { return in_use_; }
  bool forced() const { return forced_; }
  // The port answered the probe but was given up because its transmitter never drained.
  bool stopped_after_timeouts() const { return stopped_after_timeouts_; }
  UartProbeResult probe_result() const { return probe_result_; }
  // The byte the loopback returned instead of LOOPBACK_TEST_BYTE (EchoWrong).
  std::uint8_t wrong_echo_byte() const { return wrong_echo_byte_; }
  std::uint32_t baud() const { return baud_; }
  // Characters dropped because the transmitter never became ready.
  std::uint64_t dropped() const { return dropped_; }
  std::uint64_t transmit_timeouts() const { return transmit_timeouts_; }

 private:
  void program(std::uint32_t baud);
  std::uint64_t ticks_for_characters(std::uint32_t characters);
  bool wait_transmit_ready();
  void put_raw(char c);

  UartRegisters& registers_;
  UartClock& clock_;
  UartProbeResult probe_result_ = UartProbeResult::NotProbed;
  std::uint32_t baud_ = UART_BASE_BAUD;
  bool in_use_ = false;
  bool forced_ = false;
  bool writing_blind_ = false;
  bool stopped_after_timeouts_ = false;
  std::uint8_t wrong_echo_byte_ = 0;
  std::uint8_t fifo_depth_ = 1;   // 16 on a 16550A with working FIFOs
  std::uint8_t fifo_budget_ = 0;  // bytes we may still push without polling LSR
  std::uint32_t consecutive_timeouts_ = 0;
  std::uint64_t transmit_timeouts_ = 0;
  std::uint64_t dropped_ = 0;
};

}  // namespace arch
