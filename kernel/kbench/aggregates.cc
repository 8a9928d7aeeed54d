#include "kernel/kbench/aggregates.h"

namespace kernel::kbench {

const char* aggregate_name(Aggregate aggregate) {
  switch (aggregate) {
    case Aggregate::Mean: return "mean";
    case Aggregate::Median: return "median";
    case Aggregate::Stddev: return "stddev";
    case Aggregate::Min: return "min";
    case Aggregate::P99: return "p99";
  }
  return "?";
}

std::uint64_t pick(const Summary& summary, Aggregate aggregate) {
  switch (aggregate) {
    case Aggregate::Mean: return summary.mean;
    case Aggregate::Median: return summary.median;
    case Aggregate::Stddev: return summary.stddev;
    case Aggregate::Min: return summary.min;
    case Aggregate::P99: return summary.p99;
  }
  return 0;
}

InstanceAggregates aggregate(std::span<const Repetition> repetitions, std::uint64_t tsc_hz) {
  if (repetitions.size() > MAX_REPETITIONS) repetitions = repetitions.first(MAX_REPETITIONS);
  std::uint64_t values[MAX_REPETITIONS];
  const std::span<std::uint64_t> column(values, repetitions.size());
  // Fills `values` with one figure per repetition, then summarizes it.
  const auto summarize_by = [&](auto figure) {
    for (std::size_t i = 0; i < repetitions.size(); ++i) values[i] = figure(repetitions[i]);
    return summarize(column);
  };
  InstanceAggregates result;
  result.time_ps =
      summarize_by([&](const Repetition& r) { return figures_of(r, tsc_hz).time_ps_per_op; });
  result.millicycles =
      summarize_by([&](const Repetition& r) { return figures_of(r, tsc_hz).millicycles_per_op; });
  result.milli_items_per_second = summarize_by(
      [&](const Repetition& r) { return figures_of(r, tsc_hz).milli_items_per_second; });
  for (std::size_t c = 0; c < MAX_COUNTERS; ++c) {
    result.milli_counters[c] = summarize_by([c](const Repetition& r) {
      return r.counters[c] > ~std::uint64_t{0} / 1000 ? ~std::uint64_t{0} : r.counters[c] * 1000;
    });
  }
  return result;
}

}  // namespace kernel::kbench
