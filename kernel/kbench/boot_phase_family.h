// The boot_phase/<phase> family: TSC time from the first boot instruction to each marked
// phase (kernel/boot_phases.h), one repetition of one iteration each.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "kernel/kbench/results.h"

namespace kernel::kbench {

struct BootPhaseSample {
  const char* phase;        // "long_mode", "memory_map", ...
  std::uint64_t cycles;     // since the entry phase
};

// The marked phases after entry, in boot order. Unmarked phases are left out.
std::size_t marked_boot_phases(std::span<BootPhaseSample> out);

inline constexpr std::string_view BOOT_PHASE_FAMILY = "boot_phase";

}  // namespace kernel::kbench
