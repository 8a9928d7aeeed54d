// Boot-phase timestamps (TSC), reported by the benchmark harness as a family.
#pragma once

#include <array>
#include <cstdint>

namespace kernel {

enum class BootPhase : std::uint8_t {
  Entry,       // first instruction of the 32-bit entry (boot/entry.S)
  LongMode,    // first C++ instruction, in 64-bit mode on the higher half
  MemoryMap,   // memory map sanitized
  MetaRegion,  // frame metadata initialized
  Allocator,   // buddy allocator ready
  PageTables,  // kernel page tables active
  Ready,       // kernel_main reached the ready banner
  Count,
};

const char* boot_phase_name(BootPhase phase);

class BootPhases {
 public:
  void mark(BootPhase phase);
  std::uint64_t tsc(BootPhase phase) const { return tsc_[static_cast<unsigned>(phase)]; }
  bool marked(BootPhase phase) const { return tsc(phase) != 0; }

 private:
  std::array<std::uint64_t, static_cast<unsigned>(BootPhase::Count)> tsc_{};
};

BootPhases& boot_phases();

}  // namespace kernel
