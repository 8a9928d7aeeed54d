#pragma once

#include "boot/boot_info.h"

namespace kernel {

// Everything after the CPU tables and boot info exist: banner, memory management,
// ktest/kbench, then the ready banner.
[[noreturn]] void kernel_main(const boot::BootInfo& info);

}  // namespace kernel
