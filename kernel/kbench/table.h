// The human-readable table on the console, in Google Benchmark's console layout plus a
// cycles-per-operation column:
//
//   Benchmark                                   Time       Cycles/op   Iterations
//   kbench.self.rdtsc                      10.123 ns          23.282     1382919
#pragma once

#include <cstdint>
#include <span>

#include "kernel/kbench/results.h"
#include "lib/fmt/format.h"

namespace kernel::kbench {

void print_table_header(keel::fmt::Sink& sink);

// Every recorded repetition, then the aggregates (more than one repetition), or the
// skip/failure line.
void print_instance_rows(keel::fmt::Sink& sink, const InstanceResult& instance,
                         std::span<const Repetition> repetitions, std::uint64_t tsc_hz);

}  // namespace kernel::kbench
