// Runs the fuzzer's driver (run_model_on_bytes) over a deterministic pseudo-random corpus,
// so `bazel test` covers what the fuzzer explores without libFuzzer.
#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <vector>

#include "mm/allocator/testing/model_driver.h"
#include "tests/fuzz/corpus_replay.h"

namespace mm::allocator {
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

// Every input of tests/fuzz/corpus/allocator_fuzzer/ through the fuzzer's own entry function
// (its source is linked into this test), so the corpus `./kx test` fuzzes from is also
// replayed under ASan/UBSan by a plain `bazel test`.
TEST(AllocatorFuzzCorpusTest, CheckedInCorpus) {
  const std::size_t replayed = tests::fuzz::replay_corpus("allocator_fuzzer");
  EXPECT_GE(replayed, 10u) << "too few inputs in "
                           << tests::fuzz::corpus_dir("allocator_fuzzer");
  std::printf("replayed %zu inputs of %s\n", replayed,
              tests::fuzz::corpus_dir("allocator_fuzzer").c_str());
}

}  // namespace
}  // namespace mm::allocator
