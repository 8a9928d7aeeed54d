#include "arch/x86_64/qemu_exit.h"

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpu_features.h"

namespace arch {

void qemu_debug_exit(std::uint8_t code) {
  if (!running_under_qemu_or_kvm()) return;
  outl(QEMU_DEBUG_EXIT_PORT, code);  // iosize=4: a 32-bit write
}

}  // namespace arch
