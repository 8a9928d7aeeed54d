#include "kernel/kbench/args.h"

#include <limits>

namespace kernel::kbench {
namespace {

class Appender {
 public:
  explicit Appender(std::span<std::int64_t> out) : out_(out) {}
  void add(std::int64_t v) {
    if (count_ < out_.size()) out_[count_++] = v;
  }
  std::int64_t last() const { return out_[count_ - 1]; }
  std::size_t count() const { return count_; }

 private:
  std::span<std::int64_t> out_;
  std::size_t count_ = 0;
};

}  // namespace

std::size_t expand_args(const ArgSpec& spec, std::span<std::int64_t> out) {
  if (out.empty()) return 0;
  Appender args(out);
  switch (spec.kind) {
    case ArgKind::None:
      break;
    case ArgKind::List:
      for (std::size_t i = 0; i < spec.list_size; ++i) args.add(spec.list[i]);
      break;
    case ArgKind::Range: {
      args.add(spec.lo);
      if (spec.hi <= spec.lo) break;
      if (spec.lo >= 0 && spec.multiplier >= 2) {
        constexpr std::int64_t I64_MAX = std::numeric_limits<std::int64_t>::max();
        for (std::int64_t power = 1; power < spec.hi; power *= spec.multiplier) {
          if (power > spec.lo) args.add(power);
          if (power > I64_MAX / spec.multiplier) break;
        }
      }
      if (args.last() != spec.hi) args.add(spec.hi);
      break;
    }
  }
  return args.count();
}

}  // namespace kernel::kbench
