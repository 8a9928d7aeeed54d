// The 16550 driver's probe and transmit policy against a simulated UART whose every
// register access costs simulated time, read through a fake clock. All times here are
// simulated (nanoseconds of the model), so nothing depends on how fast the host runs.
#include "arch/x86_64/serial_16550.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <deque>
#include <limits>
#include <string>

namespace arch {
namespace {

using namespace uart_reg;

constexpr std::uint64_t NS_PER_SECOND = 1'000'000'000;

// What the loopback does with the byte written to THR while MCR bit 4 is set.
enum class Loopback { Echo, Never, OtherByte };

struct SimulatedUartConfig {
  bool decodes = true;                // false: nothing at this port (every read 0xff)
  bool scratch_implemented = true;    // false: an 8250 without SCR (reads 0xff)
  Loopback loopback = Loopback::Echo;
  double echo_after_characters = 1;  // a real 16550 needs one character time
  bool transmitter_drains = true;
  bool fifo_16550a = true;
  std::uint64_t ns_per_access = 1000;  // ~1 µs per port access, as on real chipsets
};

class SimulatedUart final : public UartRegisters {
 public:
  explicit SimulatedUart(SimulatedUartConfig config) : config_(config) {}

  std::uint8_t read(std::uint16_t offset) override {
    tick();
    ++reads;
    if (!config_.decodes) return 0xff;
    switch (offset) {
      case RBR:
        if (dlab()) return divisor_low;
        if (rx_ready()) {
          const std::uint8_t byte = rx_.front().byte;
          rx_.pop_front();
          return byte;
        }
        return 0;
      case IIR: return config_.fifo_16550a ? 0xc1 : 0x01;
      case LCR: return lcr;
      case MCR: return mcr;
      case LSR: {
        std::uint8_t lsr = 0;
        if (rx_ready()) lsr |= LSR_DATA_READY;
        if (config_.transmitter_drains && now_ns >= transmitter_busy_until_ns_) {
          lsr |= LSR_THR_EMPTY;
        }
        return lsr;
      }
      case SCR: return config_.scratch_implemented ? scratch_ : 0xff;
      default: return 0;
    }
  }

  void write(std::uint16_t offset, std::uint8_t value) override {
    tick();
    ++writes;
    if (!config_.decodes) return;
    switch (offset) {
      case THR:
        if (dlab()) {
          divisor_low = value;
        } else if ((mcr & 0x10) != 0) {
          loopback_write(value);
        } else {
          transmit(value);
        }
        break;
      case IER:
        if (dlab()) divisor_high = value;
        break;
      case LCR: lcr = value; break;
      case MCR:
        mcr = value;
        if ((value & 0x10) == 0 && loopback_sent_at_ns != 0 && loopback_left_at_ns == 0) {
          loopback_left_at_ns = now_ns;
        }
        break;
      case SCR: scratch_ = value; break;
      default: break;
    }
  }

  // A byte that arrived before the probe and was never read.
  void preload_received(std::uint8_t byte) { rx_.push_back({byte, 0}); }
  void stop_draining() { config_.transmitter_drains = false; }

  std::uint64_t character_ns() const {
    const std::uint32_t divisor = divisor_low | (divisor_high << 8);
    return NS_PER_SECOND * UART_BITS_PER_CHARACTER * (divisor == 0 ? 1 : divisor) / UART_BASE_BAUD;
  }

  std::uint64_t now_ns = 1;  // simulated time; 0 is kept for "never"
  std::uint64_t reads = 0;
  std::uint64_t writes = 0;
  std::uint8_t lcr = 0, mcr = 0, divisor_low = 0, divisor_high = 0;
  std::string wire;  // bytes sent in normal (not loopback) mode
  std::uint64_t loopback_sent_at_ns = 0;
  std::uint64_t loopback_left_at_ns = 0;

 private:
  struct Received {
    std::uint8_t byte;
    std::uint64_t ready_at_ns;
  };

  void tick() { now_ns += config_.ns_per_access; }
  bool dlab() const { return (lcr & LCR_DLAB) != 0; }
  bool rx_ready() const { return !rx_.empty() && rx_.front().ready_at_ns <= now_ns; }

  void loopback_write(std::uint8_t value) {
    loopback_sent_at_ns = now_ns;
    if (config_.loopback == Loopback::Never) return;
    const auto delay = static_cast<std::uint64_t>(config_.echo_after_characters *
                                                  static_cast<double>(character_ns()));
    rx_.push_back({config_.loopback == Loopback::OtherByte ? std::uint8_t(value ^ 0xff) : value,
                   now_ns + delay});
  }

  void transmit(std::uint8_t value) {
    wire.push_back(static_cast<char>(value));
    const std::uint64_t from =
        transmitter_busy_until_ns_ > now_ns ? transmitter_busy_until_ns_ : now_ns;
    transmitter_busy_until_ns_ = from + character_ns();  // one byte in flight (no FIFO model)
  }

  SimulatedUartConfig config_;
  std::uint8_t scratch_ = 0;
  std::deque<Received> rx_;
  std::uint64_t transmitter_busy_until_ns_ = 0;
};

// Reads the simulated time in nanoseconds; can be frozen (a TSC that does not advance)
// or claim a rate other than the truth.
class FakeClock final : public UartClock {
 public:
  explicit FakeClock(const SimulatedUart& uart) : uart_(uart) {}
  std::uint64_t now() override { return frozen ? 12345 : uart_.now_ns; }
  std::uint64_t ticks_per_second() override { return rate; }

  bool frozen = false;
  std::uint64_t rate = NS_PER_SECOND;

 private:
  const SimulatedUart& uart_;
};

struct Rig {
  explicit Rig(SimulatedUartConfig config = {}) : uart(config), clock(uart), driver(uart, clock) {}
  SimulatedUart uart;
  FakeClock clock;
  Uart16550Driver driver;
};

SimulatedUartConfig fast_port(SimulatedUartConfig config = {}) {
  config.ns_per_access = 10;  // an emulator whose port reads are nearly free
  return config;
}

TEST(Uart16550Probe, WorkingUartIsVerified) {
  Rig rig;
  EXPECT_EQ(rig.driver.probe(), UartProbeResult::Verified);
  EXPECT_TRUE(rig.driver.in_use());
  EXPECT_EQ(rig.uart.divisor_low, 1);
  EXPECT_EQ(rig.uart.lcr, LCR_8N1);
  EXPECT_EQ(rig.uart.mcr, MCR_NORMAL);
}

// The echo is awaited for a time, not for a count of port reads: on an emulator with
// cheap port reads, 1000 reads are far less than the character time the echo needs.
TEST(Uart16550Probe, EchoIsAwaitedForTimeNotForACountOfReads) {
  Rig rig(fast_port());
  const std::uint64_t reads_per_character = rig.uart.character_ns() / 10;
  ASSERT_GT(reads_per_character, 1000u);  // the old read budget would give up first
  EXPECT_EQ(rig.driver.probe(), UartProbeResult::Verified);
}

TEST(Uart16550Probe, EchoSeveralCharacterTimesLateIsStillVerified) {
  SimulatedUartConfig config = fast_port();
  config.echo_after_characters = 8;
  Rig rig(config);
  EXPECT_EQ(rig.driver.probe(), UartProbeResult::Verified);
}

TEST(Uart16550Probe, EchoWaitScalesWithTheConfiguredBaud) {
  SimulatedUartConfig config = fast_port();
  config.echo_after_characters = 8;  // 8.3 ms at 9600 baud: 96x the 115200 character time
  Rig rig(config);
  EXPECT_EQ(rig.driver.probe(9600), UartProbeResult::Verified);
  EXPECT_EQ(rig.uart.divisor_low, 12);
  EXPECT_EQ(rig.uart.divisor_high, 0);
}

TEST(Uart16550Probe, GivesUpOnTheEchoOnlyAfterTheWholeWait) {
  SimulatedUartConfig config = fast_port();
  config.loopback = Loopback::Never;
  Rig rig(config);
  EXPECT_EQ(rig.driver.probe(), UartProbeResult::EchoMissing);
  const std::uint64_t waited = rig.uart.loopback_left_at_ns - rig.uart.loopback_sent_at_ns;
  const std::uint64_t character = rig.uart.character_ns();
  EXPECT_GE(waited, ECHO_WAIT_CHARACTERS * character);
  // Bounded: the wait ends within a few register accesses of its deadline.
  EXPECT_LE(waited, ECHO_WAIT_CHARACTERS * character + 100 * 10);
}

TEST(Uart16550Probe, ScratchAnswersButNoEchoThePortStillCarriesTheLog) {
  SimulatedUartConfig config;
  config.loopback = Loopback::Never;
  Rig rig(config);
  EXPECT_EQ(rig.driver.probe(), UartProbeResult::EchoMissing);
  EXPECT_TRUE(rig.driver.in_use());
  EXPECT_FALSE(rig.driver.forced());
  EXPECT_EQ(rig.uart.mcr, MCR_NORMAL);  // loopback switched off again
  rig.driver.write("keel\n");
  EXPECT_EQ(rig.uart.wire, "keel\r\n");
  EXPECT_EQ(rig.driver.dropped(), 0u);
}

TEST(Uart16550Probe, WrongEchoIsReportedAndThePortIsStillUsed) {
  SimulatedUartConfig config;
  config.loopback = Loopback::OtherByte;
  Rig rig(config);
  EXPECT_EQ(rig.driver.probe(), UartProbeResult::EchoWrong);
  EXPECT_EQ(rig.driver.wrong_echo_byte(), LOOPBACK_TEST_BYTE ^ 0xff);
  EXPECT_TRUE(rig.driver.in_use());
}

TEST(Uart16550Probe, StaleReceivedByteDoesNotSpoilTheProbe) {
  Rig rig;
  rig.uart.preload_received(0x55);
  EXPECT_EQ(rig.driver.probe(), UartProbeResult::Verified);
}

TEST(Uart16550Probe, NothingAtThePortIsNotUsed) {
  SimulatedUartConfig config;
  config.decodes = false;
  Rig rig(config);
  EXPECT_EQ(rig.driver.probe(), UartProbeResult::NoScratch);
  EXPECT_FALSE(rig.driver.in_use());
  const std::uint64_t accesses = rig.uart.reads + rig.uart.writes;
  rig.driver.write("lost\n");
  EXPECT_EQ(rig.uart.reads + rig.uart.writes, accesses);  // no port access at all
}

TEST(Uart16550Probe, BadBaudTouchesNothing) {
  Rig rig;
  EXPECT_EQ(rig.driver.probe(7), UartProbeResult::BadBaud);
  EXPECT_EQ(rig.driver.probe(0), UartProbeResult::BadBaud);
  EXPECT_EQ(rig.driver.probe(230400), UartProbeResult::BadBaud);
  EXPECT_FALSE(rig.driver.in_use());
  EXPECT_EQ(rig.uart.reads + rig.uart.writes, 0u);
}

// A TSC that does not advance must not hang the boot: the read cap ends the wait.
TEST(Uart16550Probe, FrozenClockStillEndsTheProbe) {
  SimulatedUartConfig config = fast_port();
  config.loopback = Loopback::Never;
  Rig rig(config);
  rig.clock.frozen = true;
  EXPECT_EQ(rig.driver.probe(), UartProbeResult::EchoMissing);
  EXPECT_GE(rig.uart.reads, MAX_POLLS_PER_WAIT);
  EXPECT_LT(rig.uart.reads, 2 * MAX_POLLS_PER_WAIT);
}

// A clock rate near 2^64 must give a long wait, not one that wrapped to almost nothing.
TEST(Uart16550Probe, HugeClockRateDoesNotWrapTheWait) {
  SimulatedUartConfig config = fast_port();
  config.echo_after_characters = 8;
  Rig rig(config);
  rig.clock.rate = std::numeric_limits<std::uint64_t>::max();
  EXPECT_EQ(rig.driver.probe(), UartProbeResult::Verified);
}

TEST(Uart16550Transmit, UnverifiedPortThatNeverDrainsIsGivenUp) {
  SimulatedUartConfig config = fast_port();
  config.loopback = Loopback::Never;
  config.transmitter_drains = false;
  Rig rig(config);
  EXPECT_EQ(rig.driver.probe(), UartProbeResult::EchoMissing);
  rig.driver.write("0123456789");
  EXPECT_FALSE(rig.driver.in_use());
  EXPECT_TRUE(rig.driver.stopped_after_timeouts());
  EXPECT_EQ(rig.driver.transmit_timeouts(), MAX_CONSECUTIVE_TIMEOUTS);
  EXPECT_EQ(rig.driver.dropped(), 10u);  // four timed out, six after giving up
  EXPECT_EQ(rig.uart.wire, "");
  const std::uint64_t accesses = rig.uart.reads + rig.uart.writes;
  rig.driver.write("more");
  EXPECT_EQ(rig.uart.reads + rig.uart.writes, accesses);  // given up: no more waiting
}

TEST(Uart16550Transmit, VerifiedPortThatStopsDrainingIsGivenUp) {
  Rig rig(fast_port());
  ASSERT_EQ(rig.driver.probe(), UartProbeResult::Verified);
  rig.uart.stop_draining();
  rig.driver.write("0123456789");
  EXPECT_FALSE(rig.driver.in_use());
  EXPECT_TRUE(rig.driver.stopped_after_timeouts());
}

TEST(Uart16550Transmit, OneSlowCharacterDoesNotGiveThePortUp) {
  Rig rig(fast_port());
  ASSERT_EQ(rig.driver.probe(), UartProbeResult::Verified);
  rig.driver.write(std::string(100, 'x'));
  EXPECT_TRUE(rig.driver.in_use());
  EXPECT_EQ(rig.driver.transmit_timeouts(), 0u);
  EXPECT_EQ(rig.uart.wire, std::string(100, 'x'));
}

// An 8250 has no scratch register; console=serial says the port is there anyway.
TEST(Uart16550Force, ForcedPortWithoutScratchIsProgrammedAndWritten) {
  SimulatedUartConfig config;
  config.scratch_implemented = false;
  Rig rig(config);
  EXPECT_EQ(rig.driver.probe(), UartProbeResult::NoScratch);
  rig.driver.force();
  EXPECT_TRUE(rig.driver.in_use());
  EXPECT_TRUE(rig.driver.forced());
  EXPECT_EQ(rig.driver.probe_result(), UartProbeResult::NoScratch);  // kept for the banner
  EXPECT_EQ(rig.uart.divisor_low, 1);
  EXPECT_EQ(rig.uart.lcr, LCR_8N1);
  rig.driver.write("ok\n");
  EXPECT_EQ(rig.uart.wire, "ok\r\n");
}

TEST(Uart16550Force, ForcedPortKeepsWritingAndPacesBlindWhenNeverReady) {
  SimulatedUartConfig config = fast_port();
  config.transmitter_drains = false;
  Rig rig(config);
  ASSERT_EQ(rig.driver.probe(), UartProbeResult::Verified);
  rig.driver.force();
  const std::uint64_t start = rig.uart.now_ns;
  const std::string text(40, 'y');
  rig.driver.write(text);
  EXPECT_TRUE(rig.driver.in_use());
  EXPECT_FALSE(rig.driver.stopped_after_timeouts());
  EXPECT_EQ(rig.uart.wire, text);  // every byte sent, none dropped
  EXPECT_EQ(rig.driver.dropped(), 0u);
  EXPECT_EQ(rig.driver.transmit_timeouts(), text.size());
  // After MAX_CONSECUTIVE_TIMEOUTS full waits, each byte waits only the blind pacing.
  const std::uint64_t character = rig.uart.character_ns();
  const std::uint64_t full_waits = MAX_CONSECUTIVE_TIMEOUTS * TRANSMIT_WAIT_CHARACTERS * character;
  const std::uint64_t paced = (text.size() - MAX_CONSECUTIVE_TIMEOUTS) * BLIND_PACING_CHARACTERS *
                              character;
  EXPECT_LT(rig.uart.now_ns - start, full_waits + paced + text.size() * 100 * 10);
  EXPECT_GE(rig.uart.now_ns - start, full_waits + paced);
}

TEST(Uart16550Force, ForcingAPortGivenUpTakesItBack) {
  SimulatedUartConfig config = fast_port();
  config.transmitter_drains = false;
  Rig rig(config);
  ASSERT_EQ(rig.driver.probe(), UartProbeResult::Verified);
  rig.driver.write("0123456789");
  ASSERT_FALSE(rig.driver.in_use());
  rig.driver.force();
  EXPECT_TRUE(rig.driver.in_use());
  rig.driver.write("z");
  EXPECT_EQ(rig.uart.wire, "z");
}

TEST(Uart16550Probe, EveryResultHasADescription) {
  for (auto result : {UartProbeResult::NotProbed, UartProbeResult::BadBaud,
                      UartProbeResult::NoScratch, UartProbeResult::EchoMissing,
                      UartProbeResult::EchoWrong, UartProbeResult::Verified}) {
    EXPECT_STRNE(uart_probe_result_name(result), "?");
  }
}

}  // namespace
}  // namespace arch
