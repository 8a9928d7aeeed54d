// The runner's building blocks, shared by run() and the harness's own ktests.
#pragma once

#include <cstdint>

#include "kernel/kbench/kbench.h"
#include "kernel/kbench/options.h"
#include "kernel/kbench/results.h"
#include "lib/fmt/format.h"

namespace kernel::kbench {

// One benchmark family with one of its arguments.
struct InstanceSpec {
  const Benchmark* benchmark;
  std::int64_t arg = 0;
  bool has_arg = false;
  std::uint32_t family_index = 0;
  std::uint32_t per_family_instance_index = 0;
};

// "<suite>.<name>" or "<suite>.<name>/<arg>" (the suite dotted, as ktest names are).
void format_instance_name(keel::fmt::Sink& sink, const InstanceSpec& instance);

// Runs the instance's repetitions with CPU-exception and panic recovery and records them in
// `store`; an every-CPU benchmark (Benchmark::every_cpu) runs on every online CPU at once,
// recorded as the mean over CPUs, or skipped with one CPU online. min_cycles is the auto-scaling target (options.iterations == 0). Returns the
// record, or nullptr if the store was full (the benchmark then does not run).
const InstanceResult* run_instance(const InstanceSpec& instance, const Options& options,
                                   std::uint64_t min_cycles, ResultStore& store);

}  // namespace kernel::kbench
