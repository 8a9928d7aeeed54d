#include "arch/x86_64/serial.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/tsc.h"

namespace arch {
namespace {

// The top of calibrate_tsc()'s plausible range (tsc.cc): no TSC keel accepts runs faster.
constexpr std::uint64_t FASTEST_PLAUSIBLE_TSC_HZ = 10'000'000'000;

}  // namespace

std::uint8_t PortUartRegisters::read(std::uint16_t offset) {
  return inb(static_cast<std::uint16_t>(base_ + offset));
}

void PortUartRegisters::write(std::uint16_t offset, std::uint8_t value) {
  outb(static_cast<std::uint16_t>(base_ + offset), value);
}

std::uint64_t TscUartClock::now() { return rdtsc_ordered(); }

std::uint64_t TscUartClock::ticks_per_second() {
  if (ticks_per_second_ == 0) {
    // CPUID only: no PIT measurement this early (see the class comment).
    TscFrequency known = tsc_from_cpuid();
    if (known.hz == 0) known = tsc_from_hypervisor();
    rate_assumed_ = known.hz == 0;
    ticks_per_second_ = rate_assumed_ ? FASTEST_PLAUSIBLE_TSC_HZ : known.hz;
  }
  return ticks_per_second_;
}

bool Uart16550::init(std::uint16_t port, std::uint32_t baud) {
  port_ = port;
  registers_.set_base(port);
  driver_.probe(baud);
  return driver_.in_use();
}

}  // namespace arch
