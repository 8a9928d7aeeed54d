#include "kernel/kbench/table.h"

#include "kernel/kbench/aggregates.h"
#include "kernel/kbench/fixed_point.h"

namespace kernel::kbench {
namespace {

// As wide as the header line.
constexpr std::string_view RULE =
    "----------------------------------------------------------------------------------------"
    "------------------\n";

void print_row(keel::fmt::Sink& sink, std::string_view name, std::string_view suffix,
               std::uint64_t time_ps, std::uint64_t millicycles, std::uint64_t iterations) {
  char full[MAX_NAME_LENGTH + 16];
  keel::fmt::BufferSink full_name(full, sizeof(full));
  keel::fmt::print(full_name, "{}{}", name, suffix);
  keel::fmt::print(sink, "{:<44} {:>14} ns {:>14} {:>12}", full_name.view(), Milli{time_ps},
             Milli{millicycles}, iterations);
}

}  // namespace

void print_table_header(keel::fmt::Sink& sink) {
  sink.write(RULE);
  keel::fmt::print(sink, "{:<44} {:>17} {:>14} {:>12} {}\n", "Benchmark", "Time", "Cycles/op",
             "Iterations", "UserCounters...");
  sink.write(RULE);
}

void print_instance_rows(keel::fmt::Sink& sink, const InstanceResult& instance,
                         std::span<const Repetition> repetitions, std::uint64_t tsc_hz) {
  for (const Repetition& r : repetitions) {
    const Figures f = figures_of(r, tsc_hz);
    print_row(sink, instance.name_view(), "", f.time_ps_per_op, f.millicycles_per_op,
              r.iterations);
    if (instance.has_items) {
      keel::fmt::print(sink, " items_per_second={}", Milli{f.milli_items_per_second});
    }
    for (std::size_t c = 0; c < instance.counter_count && c < MAX_COUNTERS; ++c) {
      keel::fmt::print(sink, " {}={}", instance.counter_names[c], r.counters[c]);
    }
    sink.write("\n");
  }
  if (instance.outcome != Outcome::Ok) {
    keel::fmt::print(sink, "{:<44} {}: {}\n", instance.name_view(),
               instance.outcome == Outcome::Skipped ? "SKIPPED" : "ERROR OCCURRED",
               instance.message_view());
    return;
  }
  if (repetitions.size() <= 1) return;
  const InstanceAggregates a = aggregate(repetitions, tsc_hz);
  for (const Aggregate which : AGGREGATES) {
    char suffix[16];
    keel::fmt::BufferSink suffix_text(suffix, sizeof(suffix));
    keel::fmt::print(suffix_text, "_{}", aggregate_name(which));
    print_row(sink, instance.name_view(), suffix_text.view(), pick(a.time_ps, which),
              pick(a.millicycles, which), repetitions.size());
    sink.write("\n");
  }
}

}  // namespace kernel::kbench
