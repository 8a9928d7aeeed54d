// The kernel console: every log line goes to each console that exists — the COM1 serial
// port (probed) and the framebuffer text console — so a box without serial still shows
// the log and its panics.
#pragma once

#include <cstddef>
#include <string_view>

#include "arch/x86_64/serial_16550.h"
#include "boot/boot_info.h"
#include "kernel/fbcon/fb_console.h"
#include "lib/fmt/format.h"

namespace kernel {

// Probes COM1. Safe to call before anything else is set up.
void init_serial_console();
// Starts the framebuffer console if the loader set up a framebuffer keel can reach.
void init_framebuffer_console(const boot::Framebuffer& framebuffer);

// `console=serial|fb|both` (default both): which of the present consoles get output.
// `serial` forces COM1 into use whatever the probe found and never gives it up; the
// screen is switched off only when the probe verified the UART by its loopback echo, so
// a forced guess that leads nowhere does not leave keel silent. `fb` falls back to serial
// when there is no framebuffer. Returns false for an unknown value (nothing changes).
bool select_console(std::string_view which);

bool serial_console_present();
// What probing COM1 at boot found (it may be in use even when not Verified).
arch::UartProbeResult serial_probe_result();
bool framebuffer_console_present();

// Banner lines: what the serial probe found (and why a port is or is not used), the
// framebuffer, and which consoles get the log.
void describe_consoles(keel::fmt::Sink& sink);

// Runs `draw` on the framebuffer console under the console lock (nothing when there is
// no framebuffer console), for pictures besides text: kbench's QR codes.
void with_framebuffer_console(void (*draw)(kernel::fbcon::FramebufferConsole&, void*), void* context);

// Writes to every console. Serialized by a spinlock with interrupts off.
keel::fmt::Sink& console_sink();

template <typename... Args>
void console_print(std::string_view format, const Args&... args) {
  keel::fmt::print(console_sink(), format, args...);
}

// While alive, console output is also copied into `capture` (tests check what a report
// printed). Not nestable.
class ScopedConsoleCapture {
 public:
  explicit ScopedConsoleCapture(keel::fmt::Sink& capture);
  ~ScopedConsoleCapture();
  ScopedConsoleCapture(const ScopedConsoleCapture&) = delete;
  ScopedConsoleCapture& operator=(const ScopedConsoleCapture&) = delete;
};

// For the panic path: drop the console lock if this CPU died holding it.
void force_unlock_console_for_panic();

// The quiet boot (`quiet` on the command line): from hold_log() on, console output is kept
// in memory (HELD_LOG_BYTES; beyond that it is counted, not kept) instead of going to the
// devices, so the boot's cost to `ready` does not include driving a UART or drawing glyphs.
// release_held_log() writes what was kept to the consoles and goes back to writing
// directly; a panic releases it first, so its report follows the log that led to it.
inline constexpr std::size_t HELD_LOG_BYTES = 32 * 1024;
void hold_log();
void release_held_log();
// Bytes held (kept and dropped) since hold_log(); 0 when not holding.
std::size_t held_log_bytes();
// Stops holding and forgets what was held (for tests that fill the buffer on purpose).
void drop_held_log();

}  // namespace kernel
