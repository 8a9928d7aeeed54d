#include "kernel/kbench/options.h"

#include "kernel/kbench/aggregates.h"
#include "kernel/kbench/iteration_policy.h"

namespace kernel::kbench {
namespace {

std::uint64_t clamp(std::uint64_t v, std::uint64_t lo, std::uint64_t hi) {
  return v < lo ? lo : (v > hi ? hi : v);
}

}  // namespace

bool requested(const boot::Cmdline& cmdline) {
  return cmdline.has("kbench") || cmdline.has("kbench.smoke");
}

Options parse_options(const boot::Cmdline& cmdline) {
  Options o;
  o.filter = cmdline.find("kbench.filter").value_or("");
  if (const auto n = cmdline.find_u64("kbench.repetitions")) {
    o.repetitions = static_cast<std::uint32_t>(clamp(*n, 1, MAX_REPETITIONS));
  }
  if (const auto ms = cmdline.find_u64("kbench.min_time_ms")) o.min_time_ms = clamp(*ms, 1, 10'000);
  if (const auto n = cmdline.find_u64("kbench.iterations")) {
    o.iterations = clamp(*n, 1, MAX_ITERATIONS);
  }
  if (cmdline.has("kbench.smoke")) {
    o.smoke = true;
    o.iterations = 1;
    o.repetitions = 1;
  }
  return o;
}

}  // namespace kernel::kbench
