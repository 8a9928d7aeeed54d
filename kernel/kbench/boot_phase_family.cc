#include "kernel/kbench/boot_phase_family.h"

#include "kernel/boot_phases.h"

namespace kernel::kbench {

std::size_t marked_boot_phases(std::span<BootPhaseSample> out) {
  const kernel::BootPhases& phases = kernel::boot_phases();
  if (!phases.marked(kernel::BootPhase::Entry)) return 0;
  const std::uint64_t entry = phases.tsc(kernel::BootPhase::Entry);
  std::size_t count = 0;
  for (unsigned p = static_cast<unsigned>(kernel::BootPhase::Entry) + 1;
       p < static_cast<unsigned>(kernel::BootPhase::Count) && count < out.size(); ++p) {
    const auto phase = static_cast<kernel::BootPhase>(p);
    if (!phases.marked(phase) || phases.tsc(phase) < entry) continue;
    out[count++] = {kernel::boot_phase_name(phase), phases.tsc(phase) - entry};
  }
  return count;
}

}  // namespace kernel::kbench
