#include "kernel/console.h"

#include "arch/x86_64/serial.h"
#include "kernel/fbcon/fb_console.h"
#include "mm/hal.h"
#include "mm/layout.h"
#include "mm/support/spinlock.h"

namespace console {
namespace {

constinit arch::Uart16550 g_serial;
constinit fbcon::FramebufferConsole g_framebuffer;
constinit bool g_framebuffer_ready = false;
constinit fmt::Sink* g_capture = nullptr;
constinit keel::SpinLock g_lock;
constinit bool g_use_serial = true;
constinit bool g_use_framebuffer = true;

class ConsoleSink final : public fmt::Sink {
 public:
  void write(std::string_view text) override {
    keel::SpinLockGuard guard(g_lock);
    if (g_use_serial) g_serial.write(text);
    if (g_framebuffer_ready && g_use_framebuffer) g_framebuffer.write(text);
    if (g_capture != nullptr) g_capture->write(text);
  }
};
constinit ConsoleSink g_sink;


}  // namespace

void init_serial() { g_serial.init(arch::COM1); }

void init_framebuffer(const boot::Framebuffer& framebuffer) {
  if (!framebuffer.present()) return;
  const std::uint64_t bytes = std::uint64_t{framebuffer.pitch} * framebuffer.height;
  if (framebuffer.paddr + bytes > mm::layout::BOOT_LINEAR_MAP_LIMIT) {
    print("console: framebuffer at {:#x} is above 4 GiB; not used until the kernel map exists\n",
          framebuffer.paddr);
    return;
  }
  void* base = mm::hal::phys_to_virt(framebuffer.paddr);
  if (g_framebuffer.init(framebuffer, base)) g_framebuffer_ready = true;
}

bool select(std::string_view which) {
  if (which == "serial") {
    g_use_serial = true;
    g_use_framebuffer = false;
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

bool serial_present() { return g_serial.present(); }
bool framebuffer_present() { return g_framebuffer_ready; }

fmt::Sink& sink() { return g_sink; }

ScopedCapture::ScopedCapture(fmt::Sink& capture) { g_capture = &capture; }
ScopedCapture::~ScopedCapture() { g_capture = nullptr; }

void force_unlock_for_panic() TA_NO_THREAD_SAFETY_ANALYSIS {
  if (g_lock.is_locked()) g_lock.unlock_irqrestore(0);
}

}  // namespace console
