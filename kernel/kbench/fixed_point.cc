#include "kernel/kbench/fixed_point.h"

#include <limits>

namespace kernel::kbench {

std::uint64_t div_u128(u128 n, std::uint64_t d) {
  constexpr std::uint64_t U64_MAX = std::numeric_limits<std::uint64_t>::max();
  if (d == 0) return U64_MAX;
  std::uint64_t remainder = static_cast<std::uint64_t>(n >> 64);
  if (remainder >= d) return U64_MAX;  // the quotient needs more than 64 bits
  std::uint64_t low = static_cast<std::uint64_t>(n);
  std::uint64_t quotient = 0;
  for (int bit = 0; bit < 64; ++bit) {
    // remainder:low <<= 1. A carry out of remainder means it is >= d for sure, and the
    // subtraction below wraps to the right value.
    const bool carry = (remainder >> 63) != 0;
    remainder = (remainder << 1) | (low >> 63);
    low <<= 1;
    quotient <<= 1;
    if (carry || remainder >= d) {
      remainder -= d;
      quotient |= 1;
    }
  }
  return quotient;
}

u128 div_u128_wide(u128 n, std::uint64_t d) {
  if (d == 0) return ~static_cast<u128>(0);
  // Long division in two 64-bit digits: the high digit with the CPU's 64-bit divide, the
  // rest (remainder < d, so the quotient fits) with div_u128.
  const std::uint64_t high = static_cast<std::uint64_t>(n >> 64);
  const std::uint64_t low = static_cast<std::uint64_t>(n);
  const u128 rest = (static_cast<u128>(high % d) << 64) | low;
  return (static_cast<u128>(high / d) << 64) | div_u128(rest, d);
}

std::uint64_t isqrt_u128(u128 n) {
  // Digit-by-digit (base 4) square root.
  u128 root = 0;
  u128 bit = static_cast<u128>(1) << 126;
  while (bit > n) bit >>= 2;
  while (bit != 0) {
    if (n >= root + bit) {
      n -= root + bit;
      root = (root >> 1) + bit;
    } else {
      root >>= 1;
    }
    bit >>= 2;
  }
  return static_cast<std::uint64_t>(root);
}

void format_value(keel::fmt::Sink& sink, const keel::fmt::Spec& spec, Milli value) {
  char text[32];
  keel::fmt::BufferSink out(text, sizeof(text));
  const std::uint64_t fraction = value.thousandths % 1000;
  keel::fmt::print(out, "{}.{:03}", value.thousandths / 1000, fraction);
  keel::fmt::write_padded(sink, spec, out.view(), true);
}

}  // namespace kernel::kbench
