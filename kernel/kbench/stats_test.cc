#include "kernel/kbench/stats.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <vector>

namespace kernel::kbench {
namespace {

Summary of(std::vector<std::uint64_t> values) { return summarize(values); }

TEST(Summarize, EmptyIsAllZero) {
  const Summary s = of({});
  EXPECT_EQ(s.mean, 0u);
  EXPECT_EQ(s.median, 0u);
  EXPECT_EQ(s.p99, 0u);
}

TEST(Summarize, OneValue) {
  const Summary s = of({7});
  EXPECT_EQ(s.mean, 7u);
  EXPECT_EQ(s.median, 7u);
  EXPECT_EQ(s.min, 7u);
  EXPECT_EQ(s.max, 7u);
  EXPECT_EQ(s.p99, 7u);
  EXPECT_EQ(s.stddev, 0u);
}

TEST(Summarize, SortsAndFindsTheMedian) {
  EXPECT_EQ(of({5, 1, 3}).median, 3u);
  EXPECT_EQ(of({4, 1, 3, 2}).median, 2u);  // (2 + 3) / 2, truncated
  EXPECT_EQ(of({10, 20}).median, 15u);
  std::vector<std::uint64_t> values = {9, 3, 7, 1};
  summarize(values);
  EXPECT_EQ(values, (std::vector<std::uint64_t>{1, 3, 7, 9}));
}

TEST(Summarize, P99IsTheNearestRank) {
  std::vector<std::uint64_t> hundred;
  for (std::uint64_t i = 1; i <= 100; ++i) hundred.push_back(i);
  EXPECT_EQ(of(hundred).p99, 99u);
  hundred.push_back(1000);  // 101 values: rank ceil(99.99) = 100
  EXPECT_EQ(of(hundred).p99, 100u);
  EXPECT_EQ(of({1, 2, 3, 4, 5}).p99, 5u);  // a handful of repetitions: the maximum
}

TEST(Summarize, SampleStandardDeviation) {
  // mean 5, squared deviations sum 32, sample variance 32/7 = 4.57, stddev 2.14.
  const Summary s = of({2, 4, 4, 4, 5, 5, 7, 9});
  EXPECT_EQ(s.mean, 5u);
  EXPECT_EQ(s.stddev, 2u);
  // In picoseconds the same spread keeps its digits: 2138 ps.
  const Summary scaled = of({2000, 4000, 4000, 4000, 5000, 5000, 7000, 9000});
  EXPECT_EQ(scaled.stddev, 2138u);
}

TEST(Summarize, HugeValuesDoNotOverflow) {
  constexpr std::uint64_t U64_MAX = std::numeric_limits<std::uint64_t>::max();
  const Summary s = of({U64_MAX, U64_MAX - 2, U64_MAX - 4});
  EXPECT_EQ(s.mean, U64_MAX - 2);
  EXPECT_EQ(s.median, U64_MAX - 2);
  EXPECT_EQ(s.stddev, 2u);
  EXPECT_EQ(of({U64_MAX, U64_MAX - 1}).median, U64_MAX - 1);  // no overflow averaging the middle
}

}  // namespace
}  // namespace kernel::kbench
