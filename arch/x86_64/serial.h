// 16550-compatible UART output (COM ports) for the kernel: the driver logic of
// serial_16550.h bound to port I/O and the TSC. Write-only: keel uses serial for its log.
//
// Robust against absent, odd or stuck hardware (the policy is in serial_16550.h): init()
// probes with waits bounded in time, a port whose scratch register answers is used even
// if its loopback echo never comes, and write() drops output rather than hang. Not
// internally locked: the console layer serializes writers.
#pragma once

#include <cstdint>
#include <string_view>

#include "arch/x86_64/serial_16550.h"
#include "lib/fmt/format.h"

namespace arch {

inline constexpr std::uint16_t COM1 = 0x3f8;
inline constexpr std::uint16_t COM2 = 0x2f8;
inline constexpr std::uint16_t COM3 = 0x3e8;

// Port I/O at a base port.
class PortUartRegisters final : public UartRegisters {
 public:
  constexpr PortUartRegisters() = default;
  void set_base(std::uint16_t base) { base_ = base; }
  std::uint8_t read(std::uint16_t offset) override;
  void write(std::uint16_t offset, std::uint8_t value) override;

 private:
  std::uint16_t base_ = 0;
};

// The TSC, for the driver's bounded waits. The console's UART is probed first thing at
// boot, long before calibrate_tsc() (whose PIT fallback takes ~30 ms and which the
// benchmark harness runs later), so ticks_per_second() uses only the sources that cost
// nothing — CPUID leaf 0x15 and the hypervisor leaf — and otherwise assumes the highest
// TSC rate keel considers plausible (10 GHz). Waits are then too long on a slower TSC,
// never too short: at a 1 GHz TSC the 16-character echo wait becomes ~14 ms.
class TscUartClock final : public UartClock {
 public:
  constexpr TscUartClock() = default;
  std::uint64_t now() override;
  std::uint64_t ticks_per_second() override;
  // True when ticks_per_second() is the 10 GHz assumption, not a measured rate.
  bool rate_assumed() const { return rate_assumed_; }

 private:
  std::uint64_t ticks_per_second_ = 0;  // 0: not looked up yet
  bool rate_assumed_ = false;
};

// One COM port: the driver with its registers and clock. Not copyable (the driver holds
// references to its neighbours).
class Uart16550 final : public keel::fmt::Sink {
 public:
  constexpr Uart16550() : driver_(registers_, clock_) {}
  Uart16550(const Uart16550&) = delete;
  Uart16550& operator=(const Uart16550&) = delete;

  // Probes and programs the UART at `port` for 8N1 at `baud` (must divide 115200).
  // Returns whether writes now go out (see serial_16550.h for when an unverified port
  // is used); probe_result() says what the probe found.
  bool init(std::uint16_t port, std::uint32_t baud = UART_BASE_BAUD);
  // console=serial: use the port whatever the probe found, and never give it up.
  void force() { driver_.force(); }

  // Translates "\n" to "\r\n". A no-op unless present().
  void write(std::string_view text) override { driver_.write(text); }

  // Writes go out (probe passed or forced, and not given up after timeouts).
  bool present() const { return driver_.in_use(); }
  std::uint16_t port() const { return port_; }
  const Uart16550Driver& driver() const { return driver_; }
  UartProbeResult probe_result() const { return driver_.probe_result(); }
  const TscUartClock& clock() const { return clock_; }
  // Characters dropped because the transmitter never became ready.
  std::uint64_t dropped() const { return driver_.dropped(); }

 private:
  std::uint16_t port_ = 0;
  PortUartRegisters registers_;
  TscUartClock clock_;
  Uart16550Driver driver_;
};

}  // namespace arch
