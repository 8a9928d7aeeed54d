#include "kernel/kbench/stats.h"

#include "kernel/kbench/fixed_point.h"

namespace kernel::kbench {

Summary summarize(std::span<std::uint64_t> values) {
  Summary s;
  const std::size_t n = values.size();
  if (n == 0) return s;
  for (std::size_t i = 1; i < n; ++i) {
    const std::uint64_t v = values[i];
    std::size_t j = i;
    for (; j > 0 && values[j - 1] > v; --j) values[j] = values[j - 1];
    values[j] = v;
  }
  u128 sum = 0;
  for (const std::uint64_t v : values) sum += v;
  s.mean = div_u128(sum, n);
  s.min = values[0];
  s.max = values[n - 1];
  // Sum of two u64 halves can carry; average them without overflow.
  const std::uint64_t lo = values[(n - 1) / 2], hi = values[n / 2];
  s.median = lo + (hi - lo) / 2;
  const std::size_t rank = (99 * n + 99) / 100;  // ceil(0.99 n), >= 1
  s.p99 = values[rank - 1];
  if (n > 1) {
    // Deviations from the truncated mean: off by under one unit, far below the noise.
    u128 squares = 0;
    for (const std::uint64_t v : values) {
      const std::uint64_t diff = v > s.mean ? v - s.mean : s.mean - v;
      squares += static_cast<u128>(diff) * diff;
    }
    s.stddev = isqrt_u128(div_u128_wide(squares, n - 1));
  }
  return s;
}

}  // namespace kernel::kbench
