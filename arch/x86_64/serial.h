// 16550-compatible UART output (COM ports). Write-only: keel uses serial for its log.
//
// Robust against absent or stuck hardware: init() probes the chip (scratch register and
// a loopback round trip) and fails cleanly on a box without the port, and write() waits a
// bounded number of polls for the transmitter and drops output rather than hang. Not
// internally locked: the console layer serializes writers.
#pragma once

#include <cstdint>
#include <string_view>

#include "mm/support/format.h"

namespace arch {

inline constexpr std::uint16_t COM1 = 0x3f8;
inline constexpr std::uint16_t COM2 = 0x2f8;

class Uart16550 final : public fmt::Sink {
 public:
  constexpr Uart16550() = default;

  // Probes and programs the UART at `port` for 8N1 at `baud` (must divide 115200).
  // Returns false (and stays silent) if no working UART answers there.
  bool init(std::uint16_t port, std::uint32_t baud = 115200);

  // Translates "\n" to "\r\n". A no-op unless present().
  void write(std::string_view text) override;

  bool present() const { return present_; }
  // Characters dropped because the transmitter never became ready.
  std::uint64_t dropped() const { return dropped_; }

 private:
  bool wait_transmit_ready();
  void put_raw(char c);

  std::uint16_t port_ = 0;
  bool present_ = false;
  std::uint8_t fifo_depth_ = 1;   // 16 on a 16550A with working FIFOs
  std::uint8_t fifo_budget_ = 0;  // bytes we may still push without polling LSR
  std::uint8_t consecutive_timeouts_ = 0;
  std::uint64_t dropped_ = 0;
};

}  // namespace arch
