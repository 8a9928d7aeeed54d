// In-kernel tests of the 16550 probe on real (emulated) ports: what the host tests of
// serial_16550 cannot show — that port I/O and the TSC clock behave as the driver assumes.
#define KTEST_SUITE "arch.serial"
#include <string_view>

#include "arch/x86_64/cpu_features.h"
#include "arch/x86_64/serial.h"
#include "arch/x86_64/tsc.h"
#include "kernel/console.h"
#include "kernel/ktest/ktest.h"

namespace arch {
namespace {

unsigned as_number(arch::UartProbeResult result) { return static_cast<unsigned>(result); }

// kx attaches a 16550 at COM2 for benchmark output (idle during ktest), so it can be
// probed from scratch here: the time-bounded loopback wait must find QEMU's echo.
KTEST(com2_probe_is_verified_under_qemu) {
  if (!arch::running_under_qemu_or_kvm()) {
    ktest_ctx.skip("COM2 is only known to be a 16550 under QEMU/KVM");
    return;
  }
  arch::Uart16550 com2;
  com2.init(arch::COM2);
  if (com2.probe_result() == arch::UartProbeResult::NoScratch) {
    ktest_ctx.skip("this QEMU has no COM2");
    return;
  }
  KEXPECT_EQ(as_number(com2.probe_result()), as_number(arch::UartProbeResult::Verified));
  KEXPECT_TRUE(com2.present());
}

// The console's own probe at boot: under QEMU a COM1 that answers must have echoed, or
// the boot-time wait is too short.
KTEST(console_com1_is_verified_under_qemu) {
  if (!arch::running_under_qemu_or_kvm()) {
    ktest_ctx.skip("a real box's COM1 may legitimately lack a loopback");
    return;
  }
  if (kernel::serial_probe_result() == arch::UartProbeResult::NoScratch) {
    ktest_ctx.skip("this QEMU has no COM1");
    return;
  }
  KEXPECT_EQ(as_number(kernel::serial_probe_result()),
             as_number(arch::UartProbeResult::Verified));
}

// Nothing decodes COM3's ports in kx's QEMU machines: a floating bus must read as "no
// UART", not as a port to write the log into.
KTEST(empty_com3_is_not_used_under_qemu) {
  if (!arch::running_under_qemu_or_kvm()) {
    ktest_ctx.skip("a real box may have a COM3");
    return;
  }
  arch::Uart16550 com3;
  KEXPECT_FALSE(com3.init(arch::COM3));
  KEXPECT_EQ(as_number(com3.probe_result()), as_number(arch::UartProbeResult::NoScratch));
  KEXPECT_FALSE(com3.present());
}

// The serial waits are computed from the clock's rate; a rate below the TSC's real one
// would make them shorter than the character times they are meant to cover.
KTEST(serial_clock_rate_is_not_below_the_calibrated_tsc) {
  const arch::TscFrequency calibrated = arch::calibrate_tsc();
  if (calibrated.hz == 0) {
    ktest_ctx.skip("the TSC could not be calibrated");
    return;
  }
  arch::TscUartClock clock;
  KEXPECT_GE(clock.ticks_per_second(), calibrated.hz);
  const std::uint64_t before = clock.now();
  const std::uint64_t after = clock.now();
  KEXPECT_GE(after, before);
}

// The banner's serial line names what the probe found.
KTEST(console_description_names_the_probe_result) {
  char text[1024];
  keel::fmt::BufferSink sink(text, sizeof(text));
  kernel::describe_consoles(sink);
  const std::string_view described = sink.view();
  KEXPECT_TRUE(described.find(arch::uart_probe_result_name(kernel::serial_probe_result())) !=
               std::string_view::npos);
  KEXPECT_TRUE(described.find("log to:") != std::string_view::npos);
}

}  // namespace

}  // namespace arch
