// Per-instance aggregates over repetitions, as Google Benchmark reports them
// (<name>_mean, _median, _stddev) plus keel's _min and _p99.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "kernel/kbench/results.h"
#include "kernel/kbench/stats.h"

namespace kernel::kbench {

// Repetitions beyond this are not run (the options clamp to it).
inline constexpr std::size_t MAX_REPETITIONS = 100;

enum class Aggregate : std::uint8_t { Mean, Median, Stddev, Min, P99 };
inline constexpr std::array<Aggregate, 5> AGGREGATES = {
    Aggregate::Mean, Aggregate::Median, Aggregate::Stddev, Aggregate::Min, Aggregate::P99};

const char* aggregate_name(Aggregate aggregate);  // "mean", "median", ...
std::uint64_t pick(const Summary& summary, Aggregate aggregate);

struct InstanceAggregates {
  Summary time_ps;
  Summary millicycles;
  Summary milli_items_per_second;
  Summary milli_counters[MAX_COUNTERS];  // counter values x 1000
};

// Over at most the first MAX_REPETITIONS repetitions.
InstanceAggregates aggregate(std::span<const Repetition> repetitions, std::uint64_t tsc_hz);

}  // namespace kernel::kbench
