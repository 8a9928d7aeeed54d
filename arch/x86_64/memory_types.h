// Memory types at boot. Firmware normally enables the MTRRs with write-back as the default
// type; with PVH direct boot (QEMU microvm, Firecracker) there is no firmware and the MTRRs
// are left disabled, which makes all of RAM uncacheable on a real CPU or under KVM.
#pragma once

#include "lib/fmt/format.h"

namespace arch {

// If the MTRRs are disabled (IA32_MTRR_DEF_TYPE.E clear), enables them with write-back as
// the default type and no variable ranges. Leaves firmware-configured MTRRs untouched.
// Returns true if it changed anything.
bool ensure_write_back_default();

void print_memory_types(keel::fmt::Sink& sink);

}  // namespace arch
