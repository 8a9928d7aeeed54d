#include "kernel/kbench/args.h"

#include <gtest/gtest.h>

#include <vector>

namespace kernel::kbench {
namespace {

std::vector<std::int64_t> expand(const ArgSpec& spec, std::size_t capacity = MAX_ARGS_PER_FAMILY) {
  std::vector<std::int64_t> out(capacity);
  out.resize(expand_args(spec, out));
  return out;
}

ArgSpec range(std::int64_t lo, std::int64_t hi, std::int64_t multiplier) {
  return ArgSpec{ArgKind::Range, nullptr, 0, lo, hi, multiplier};
}

using Args = std::vector<std::int64_t>;

TEST(ExpandArgs, NoneHasNoArguments) { EXPECT_EQ(expand(ArgSpec{}), Args{}); }

TEST(ExpandArgs, ListIsTakenAsIs) {
  constexpr std::int64_t LIST[] = {0, 1, 3, 9, 18};
  EXPECT_EQ(expand(ArgSpec{ArgKind::List, LIST, 5}), (Args{0, 1, 3, 9, 18}));
}

TEST(ExpandArgs, RangeLikeGoogleBenchmark) {
  EXPECT_EQ(expand(range(8, 512, 8)), (Args{8, 64, 512}));
  EXPECT_EQ(expand(range(0, 18, 3)), (Args{0, 1, 3, 9, 18}));
  EXPECT_EQ(expand(range(1, 1000, 10)), (Args{1, 10, 100, 1000}));
  EXPECT_EQ(expand(range(5, 5, 2)), (Args{5}));
  EXPECT_EQ(expand(range(1, 2, 8)), (Args{1, 2}));
  EXPECT_EQ(expand(range(0, 1, 8)), (Args{0, 1}));
}

TEST(ExpandArgs, UnsupportedRangesGiveTheBounds) {
  EXPECT_EQ(expand(range(-4, 4, 2)), (Args{-4, 4}));
  EXPECT_EQ(expand(range(1, 100, 1)), (Args{1, 100}));
  EXPECT_EQ(expand(range(9, 3, 2)), (Args{9}));
}

TEST(ExpandArgs, HugeRangeStopsBeforeOverflow) {
  const Args args = expand(range(1, INT64_MAX, 2));
  EXPECT_EQ(args.size(), 64u);  // 1, 2, 4, ..., 2^62, INT64_MAX
  EXPECT_EQ(args.back(), INT64_MAX);
}

TEST(ExpandArgs, TruncatesToTheOutputSize) {
  EXPECT_EQ(expand(range(1, 1 << 20, 2), 3), (Args{1, 2, 4}));
  EXPECT_EQ(expand(range(1, 8, 2), 0), Args{});
}

}  // namespace
}  // namespace kernel::kbench
