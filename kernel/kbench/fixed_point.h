// Integer arithmetic for benchmark figures: the kernel has no floating point (-mno-sse),
// so times are kept as integers in small units (picoseconds, thousandths of a cycle) and
// printed with three decimals.
#pragma once

#include <cstdint>

#include "lib/fmt/format.h"

namespace kernel::kbench {

using u128 = unsigned __int128;

// n / d for a 128-bit n, saturating at UINT64_MAX (also for d == 0). Shift-and-subtract:
// the kernel links no compiler runtime, so there is no __udivti3.
std::uint64_t div_u128(u128 n, std::uint64_t d);

// n / d with the full 128-bit quotient (d != 0; d == 0 gives all ones).
u128 div_u128_wide(u128 n, std::uint64_t d);

// a * b / d without overflowing the product; saturates like div_u128.
inline std::uint64_t mul_div(std::uint64_t a, std::uint64_t b, std::uint64_t d) {
  return div_u128(static_cast<u128>(a) * b, d);
}

// floor(sqrt(n)).
std::uint64_t isqrt_u128(u128 n);

// A value in thousandths, printed as a decimal with three places ("12.345", "0.001").
struct Milli {
  std::uint64_t thousandths;
};
void format_value(keel::fmt::Sink& sink, const keel::fmt::Spec& spec, Milli value);

}  // namespace kernel::kbench
