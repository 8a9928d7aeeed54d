// Runs the fuzzer's driver (run_model_on_bytes) over a deterministic pseudo-random corpus,
// so `bazel test` covers what the fuzzer explores without libFuzzer.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "mm/allocator/testing/model_driver.h"

namespace mm {
namespace {

TEST(AllocatorFuzzCorpusTest, DeterministicCorpus) {
  std::mt19937 rng(7);
  for (int input = 0; input < 300; ++input) {
    std::vector<std::uint8_t> bytes(3 * (1 + rng() % 400));
    for (auto& b : bytes) b = static_cast<std::uint8_t>(rng());
    testing::run_model_on_bytes(bytes);  // aborts with a message on any disagreement
  }
  testing::run_model_on_bytes({});
}

}  // namespace
}  // namespace mm
