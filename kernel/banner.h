#pragma once

#include "boot/boot_info.h"
#include "lib/fmt/format.h"

namespace kernel {

// The boot banner: CPU, boot path and loader, command line, consoles.
void print_banner(keel::fmt::Sink& sink, const boot::BootInfo& info);
// The memory map exactly as the firmware reported it (before sanitizing).
void print_raw_memory_map(keel::fmt::Sink& sink, const boot::BootInfo& info);

}  // namespace kernel
