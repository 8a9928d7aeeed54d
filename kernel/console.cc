#include "kernel/console.h"

#include <algorithm>

#include "arch/x86_64/serial.h"
#include "kernel/fbcon/fb_console.h"
#include "mm/hal.h"
#include "mm/layout.h"
#include "lib/sync/spinlock.h"
#include "mm/linear_map.h"

namespace kernel {
namespace {

constinit arch::Uart16550 g_serial;
constinit kernel::fbcon::FramebufferConsole g_framebuffer;
constinit bool g_framebuffer_ready = false;
constinit keel::fmt::Sink* g_capture = nullptr;
constinit keel::sync::SpinLock g_lock;
constinit bool g_use_serial = true;
constinit bool g_use_framebuffer = true;

constinit bool g_serial_loss_reported TA_GUARDED(g_lock) = false;

// The quiet boot's held log (hold_log).
constinit bool g_holding TA_GUARDED(g_lock) = false;
constinit char g_held[HELD_LOG_BYTES] TA_GUARDED(g_lock) = {};
constinit std::size_t g_held_size TA_GUARDED(g_lock) = 0;
constinit std::size_t g_held_dropped TA_GUARDED(g_lock) = 0;

// Said on the screen once, when COM1 is given up after transmit timeouts: a serial log
// that just stops would otherwise look like a hang.
void report_serial_loss() TA_REQ(g_lock) {
  if (g_serial_loss_reported || !g_serial.driver().stopped_after_timeouts()) return;
  g_serial_loss_reported = true;
  if (!g_framebuffer_ready) return;
  keel::fmt::print(g_framebuffer,
             "\nconsole: COM1 stopped: its transmitter did not drain for {} writes in a row "
             "({} characters dropped); the log continues here only\n",
             arch::MAX_CONSECUTIVE_TIMEOUTS, g_serial.dropped());
}

// To the consoles in use.
void write_to_devices(std::string_view text) TA_REQ(g_lock) {
  if (g_use_serial) g_serial.write(text);
  // The screen takes over if serial was the only console and died.
  const bool framebuffer_needed = g_use_framebuffer || (g_use_serial && !g_serial.present());
  if (g_framebuffer_ready && framebuffer_needed) {
    report_serial_loss();
    g_framebuffer.write(text);
  }
}

void hold(std::string_view text) TA_REQ(g_lock) {
  const std::size_t room = HELD_LOG_BYTES - g_held_size;
  const std::size_t kept = text.size() < room ? text.size() : room;
  std::copy_n(text.data(), kept, g_held + g_held_size);
  g_held_size += kept;
  g_held_dropped += text.size() - kept;
}

// Writes the held log out and stops holding.
void release_held_locked() TA_REQ(g_lock) {
  if (!g_holding) return;
  g_holding = false;
  write_to_devices({g_held, g_held_size});
  if (g_held_dropped != 0) {
    keel::fmt::FixedString<96> note;
    keel::fmt::print(note, "console: {} bytes of the quiet boot's log did not fit and were dropped\n",
               g_held_dropped);
    write_to_devices(note.view());
  }
  g_held_size = g_held_dropped = 0;
}

class ConsoleSink final : public keel::fmt::Sink {
 public:
  void write(std::string_view text) override {
    keel::sync::SpinLockGuard guard(g_lock);
    if (g_holding) {
      hold(text);
    } else {
      write_to_devices(text);
    }
    if (g_capture != nullptr) g_capture->write(text);
  }
};
constinit ConsoleSink g_sink;

const char* com_name(std::uint16_t port) {
  switch (port) {
    case arch::COM1: return "COM1";
    case arch::COM2: return "COM2";
    case arch::COM3: return "COM3";
    default: return "UART";
  }
}


}  // namespace

void init_serial_console() { g_serial.init(arch::COM1); }

void init_framebuffer_console(const boot::Framebuffer& framebuffer) {
  if (!framebuffer.present()) return;
  const std::uint64_t bytes = std::uint64_t{framebuffer.pitch} * framebuffer.height;
  if (framebuffer.paddr + bytes > mm::layout::BOOT_LINEAR_MAP_LIMIT) {
    console_print("console: framebuffer at {:#x} is above 4 GiB; not used until the kernel map exists\n",
          framebuffer.paddr);
    return;
  }
  void* base = mm::phys_to_virt(framebuffer.paddr);
  if (g_framebuffer.init(framebuffer, base)) g_framebuffer_ready = true;
}

bool select_console(std::string_view which) {
  if (which == "serial") {
    g_serial.force();
    g_use_serial = true;
    // Only a UART that echoed is trusted to be the sole console.
    g_use_framebuffer = g_serial.probe_result() != arch::UartProbeResult::Verified;
  } else if (which == "fb") {
    g_use_serial = false;
    g_use_framebuffer = true;
  } else if (which == "both") {
    g_use_serial = g_use_framebuffer = true;
  } else {
    return false;
  }
  // Never go silent: fall back to whatever console exists.
  if (!(g_use_serial && g_serial.present()) && !(g_use_framebuffer && g_framebuffer_ready)) {
    g_use_serial = g_use_framebuffer = true;
  }
  return true;
}

void describe_consoles(keel::fmt::Sink& sink) {
  const arch::Uart16550Driver& uart = g_serial.driver();
  const arch::UartProbeResult probe = uart.probe_result();
  keel::fmt::print(sink, "  serial:   {} at {:#x}, {} baud 8N1: {}", com_name(g_serial.port()),
             g_serial.port(), uart.baud(), arch::uart_probe_result_name(probe));
  if (probe == arch::UartProbeResult::EchoWrong) {
    keel::fmt::print(sink, " ({:#x}, not {:#x})", uart.wrong_echo_byte(), arch::LOOPBACK_TEST_BYTE);
  }
  if (probe == arch::UartProbeResult::EchoMissing || probe == arch::UartProbeResult::EchoWrong) {
    keel::fmt::print(sink, " within {} character times", arch::ECHO_WAIT_CHARACTERS);
  }
  if (uart.forced()) {
    keel::fmt::print(sink, "; used because console=serial forces it");
  } else if (uart.stopped_after_timeouts()) {
    keel::fmt::print(sink, "; given up: the transmitter did not drain");
  } else if (probe == arch::UartProbeResult::EchoMissing ||
             probe == arch::UartProbeResult::EchoWrong) {
    keel::fmt::print(sink, "; used anyway, unverified (given up only if writes time out)");
  } else if (!uart.in_use()) {
    keel::fmt::print(sink, "; not used (console=serial would force it)");
  }
  keel::fmt::print(sink, "\n");
  if (g_serial.clock().rate_assumed() && probe != arch::UartProbeResult::NoScratch) {
    keel::fmt::print(sink, "            (its waits assume a 10 GHz TSC, as CPUID gives no TSC rate: "
                     "long here, never short)\n");
  }
  keel::fmt::print(sink, "  log to:   {}{}{}\n", g_use_serial && g_serial.present() ? "serial" : "",
             g_use_serial && g_serial.present() && g_use_framebuffer && g_framebuffer_ready
                 ? " and "
                 : "",
             g_use_framebuffer && g_framebuffer_ready ? "framebuffer" : "");
}

bool serial_console_present() { return g_serial.present(); }
arch::UartProbeResult serial_probe_result() { return g_serial.probe_result(); }
bool framebuffer_console_present() { return g_framebuffer_ready; }

void with_framebuffer_console(void (*draw)(kernel::fbcon::FramebufferConsole&, void*), void* context) {
  keel::sync::SpinLockGuard guard(g_lock);
  if (g_framebuffer_ready) draw(g_framebuffer, context);
}

keel::fmt::Sink& console_sink() { return g_sink; }

ScopedConsoleCapture::ScopedConsoleCapture(keel::fmt::Sink& capture) { g_capture = &capture; }
ScopedConsoleCapture::~ScopedConsoleCapture() { g_capture = nullptr; }

void force_unlock_console_for_panic() {
  g_lock.unlock_abandoned();
  keel::sync::SpinLockGuard guard(g_lock);
  release_held_locked();  // the report follows the log that led to it
}

void hold_log() {
  keel::sync::SpinLockGuard guard(g_lock);
  g_holding = true;
}

void release_held_log() {
  keel::sync::SpinLockGuard guard(g_lock);
  release_held_locked();
}

void drop_held_log() {
  keel::sync::SpinLockGuard guard(g_lock);
  g_holding = false;
  g_held_size = g_held_dropped = 0;
}

std::size_t held_log_bytes() {
  keel::sync::SpinLockGuard guard(g_lock);
  return g_holding ? g_held_size + g_held_dropped : 0;
}

}  // namespace kernel
