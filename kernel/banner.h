#pragma once

#include "boot/boot_info.h"
#include "mm/support/format.h"

namespace kernel {

// The boot banner: CPU, boot path and loader, command line, consoles.
void print_banner(fmt::Sink& sink, const boot::BootInfo& info);
// The memory map exactly as the firmware reported it (before sanitizing).
void print_raw_memory_map(fmt::Sink& sink, const boot::BootInfo& info);

}  // namespace kernel
