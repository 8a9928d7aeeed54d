#include "kernel/kbench/fixed_point.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <random>

namespace kernel::kbench {
namespace {

constexpr std::uint64_t U64_MAX = std::numeric_limits<std::uint64_t>::max();

std::string text_of(Milli value, std::string_view format = "{}") {
  keel::fmt::FixedString<64> out;
  keel::fmt::print(out, format, value);
  return std::string(out.view());
}

TEST(DivU128, MatchesTheCompilerOnRandomOperands) {
  std::mt19937_64 rng(42);
  for (int i = 0; i < 100000; ++i) {
    const std::uint64_t d = rng() >> (rng() % 64) | 1;
    // A high half below d keeps the quotient in 64 bits.
    const u128 n = (static_cast<u128>(rng() % d) << 64) | rng();
    ASSERT_EQ(div_u128(n, d), static_cast<std::uint64_t>(n / d)) << i;
  }
}

TEST(DivU128, SaturatesWhenTheQuotientDoesNotFit) {
  EXPECT_EQ(div_u128(static_cast<u128>(5) << 64, 5), U64_MAX);
  EXPECT_EQ(div_u128(1, 0), U64_MAX);
  EXPECT_EQ(div_u128(0, 7), 0u);
}

TEST(DivU128Wide, KeepsTheFullQuotient) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 10000; ++i) {
    const u128 n = (static_cast<u128>(rng()) << 64) | rng();
    const std::uint64_t d = (rng() >> (rng() % 64)) | 1;
    ASSERT_EQ(div_u128_wide(n, d), n / d);
  }
}

TEST(MulDiv, AvoidsIntermediateOverflow) {
  // 10 s of a 3 GHz TSC in picoseconds: the product is far past 2^64.
  EXPECT_EQ(mul_div(30'000'000'000, 1'000'000'000'000, 3'000'000'000), 10'000'000'000'000u);
  EXPECT_EQ(mul_div(U64_MAX, U64_MAX, U64_MAX), U64_MAX);
  EXPECT_EQ(mul_div(U64_MAX, 2, 1), U64_MAX);  // saturates
}

TEST(IsqrtU128, IsTheFloorOfTheSquareRoot) {
  EXPECT_EQ(isqrt_u128(0), 0u);
  EXPECT_EQ(isqrt_u128(1), 1u);
  EXPECT_EQ(isqrt_u128(15), 3u);
  EXPECT_EQ(isqrt_u128(16), 4u);
  const u128 big = static_cast<u128>(U64_MAX) * U64_MAX;
  EXPECT_EQ(isqrt_u128(big), U64_MAX);
  std::mt19937_64 rng(3);
  for (int i = 0; i < 10000; ++i) {
    const std::uint64_t r = rng() >> 1;
    const u128 square = static_cast<u128>(r) * r;
    ASSERT_EQ(isqrt_u128(square), r);
    ASSERT_EQ(isqrt_u128(square + 2 * static_cast<u128>(r)), r);  // just below (r+1)^2
  }
}

TEST(Milli, PrintsThreeDecimals) {
  EXPECT_EQ(text_of(Milli{0}), "0.000");
  EXPECT_EQ(text_of(Milli{1}), "0.001");
  EXPECT_EQ(text_of(Milli{12345}), "12.345");
  EXPECT_EQ(text_of(Milli{1000}), "1.000");
  EXPECT_EQ(text_of(Milli{U64_MAX}), "18446744073709551.615");
}

TEST(Milli, HonorsWidthAndAlignment) {
  EXPECT_EQ(text_of(Milli{1500}, "[{:>8}]"), "[   1.500]");
  EXPECT_EQ(text_of(Milli{1500}, "[{:<8}]"), "[1.500   ]");
  EXPECT_EQ(text_of(Milli{1500}, "[{:8}]"), "[   1.500]");  // numbers align right
}

}  // namespace
}  // namespace kernel::kbench
