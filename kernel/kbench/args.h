// A benchmark family's arguments: none, an explicit list (KBENCH_ARGS), or a range
// (KBENCH_RANGE) expanded the way Google Benchmark's Range() does it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace kernel::kbench {

inline constexpr std::size_t MAX_ARGS_PER_FAMILY = 64;

enum class ArgKind : std::uint8_t { None, List, Range };

struct ArgSpec {
  ArgKind kind = ArgKind::None;
  const std::int64_t* list = nullptr;  // ArgKind::List
  std::size_t list_size = 0;
  std::int64_t lo = 0, hi = 0, multiplier = 0;  // ArgKind::Range
};

// Writes the family's argument values to `out` and returns how many there are (at most
// out.size(); the rest are dropped). ArgKind::None gives 0: one instance, no argument.
// A range gives lo, every power of `multiplier` strictly between lo and hi, then hi:
// Range(8, 512, 8) = 8, 64, 512; Range(0, 18, 3) = 0, 1, 3, 9, 18. Negative bounds or a
// multiplier below 2 give just lo and hi.
std::size_t expand_args(const ArgSpec& spec, std::span<std::int64_t> out);

}  // namespace kernel::kbench
