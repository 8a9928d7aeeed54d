// Reading memory that may not be mapped, for crash-time code (backtraces, dumps): a fault
// during the read is claimed by a guarded call (guarded_call.h) and turned into a `false`
// return instead of a nested panic.
#pragma once

#include <cstdint>

namespace arch {

// Reads the 8 bytes at `addr`. Returns false if the read raised #PF, #GP or #SS. Any CPU
// (guards are per-CPU), also before per-CPU data exists and during a panic.
bool try_read_u64(std::uint64_t addr, std::uint64_t& out);

}  // namespace arch
