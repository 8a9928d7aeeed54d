#include "kernel/boot_phases.h"

#include "arch/x86_64/cpu.h"

extern "C" std::uint64_t boot_tsc_entry;  // boot/entry.S

namespace kernel {
namespace {
constinit BootPhases g_phases;
}

const char* boot_phase_name(BootPhase phase) {
  switch (phase) {
    case BootPhase::Entry: return "entry";
    case BootPhase::LongMode: return "long_mode";
    case BootPhase::MemoryMap: return "memory_map";
    case BootPhase::MetaRegion: return "meta_region";
    case BootPhase::Allocator: return "allocator";
    case BootPhase::PageTables: return "page_tables";
    case BootPhase::Ready: return "ready";
    case BootPhase::Count: break;
  }
  return "?";
}

void BootPhases::mark(BootPhase phase) {
  if (tsc_[0] == 0) tsc_[0] = boot_tsc_entry;
  tsc_[static_cast<unsigned>(phase)] = arch::rdtsc();
}

BootPhases& boot_phases() { return g_phases; }

}  // namespace kernel
