// Reading memory that may not be mapped, for crash-time code (backtraces, dumps): a fault
// during the read is caught by x86_exception_dispatch and turned into a `false` return
// instead of a nested panic.
#pragma once

#include <cstdint>

#include "arch/x86_64/trap_frame.h"

namespace arch {

// Reads the 8 bytes at `addr`. Returns false if the read raised #PF, #GP or #SS. Any CPU
// (the probe in flight is per-CPU); not reentrant from an interrupt that arrives during a
// probe on the same CPU.
bool try_read_u64(std::uint64_t addr, std::uint64_t& out);

// Called first by x86_exception_dispatch: if a try_read_u64 is in flight and `frame` is a
// fault it can absorb, redirects the frame back into it and returns true.
bool fault_probe_recover(TrapFrame& frame);

}  // namespace arch
