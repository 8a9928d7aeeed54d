// Printing symbolized backtraces of the running kernel (kernel only).
#pragma once

#include <cstdint>

#include "lib/fmt/format.h"

namespace kernel::panic {

// Prints "Backtrace:" and one symbolized line per frame reachable from `rbp`. If `pc` is
// non-zero it is printed first as frame #0 (the exact faulting instruction).
void print_backtrace(keel::fmt::Sink& sink, std::uint64_t rbp, std::uint64_t pc = 0);

}  // namespace kernel::panic
