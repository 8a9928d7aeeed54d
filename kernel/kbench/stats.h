// Aggregates over a benchmark's repetitions, in integers (see fixed_point.h).
#pragma once

#include <cstdint>
#include <span>

namespace kernel::kbench {

struct Summary {
  std::uint64_t mean = 0;
  std::uint64_t median = 0;  // mean of the two middle values when the count is even
  std::uint64_t stddev = 0;  // sample standard deviation (n - 1), 0 for one value
  std::uint64_t min = 0;
  std::uint64_t p99 = 0;     // nearest rank: the ceil(0.99 n)-th smallest value
  std::uint64_t max = 0;
};

// Sorts `values` in place (insertion sort: there are a handful of repetitions).
// An empty span gives an all-zero Summary.
Summary summarize(std::span<std::uint64_t> values);

}  // namespace kernel::kbench
