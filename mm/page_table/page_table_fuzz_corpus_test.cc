// The fuzzer's driver over a deterministic pseudo-random corpus (short and long inputs,
// both paging depths), so `bazel test` covers what the fuzzer explores without libFuzzer.
#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <vector>

#include "mm/page_table/testing/pt_model.h"
#include "tests/fuzz/corpus_replay.h"

namespace mm::page_table {
namespace {

TEST(PageTableFuzzCorpusTest, DeterministicCorpus) {
  std::mt19937 rng(11);
  for (int input = 0; input < 200; ++input) {
    std::vector<std::uint8_t> bytes(1 + rng() % 1200);
    for (auto& b : bytes) b = static_cast<std::uint8_t>(rng());
    const PagingLevel levels = (bytes[0] & 1) != 0 ? 5 : 4;
    testing::run_pt_model_on_bytes({bytes.data() + 1, bytes.size() - 1},
                                   {.levels = levels, .supports_1g_pages = (bytes[0] & 2) == 0});
  }
  testing::run_pt_model_on_bytes({}, {});
}

// Every input of tests/fuzz/corpus/page_table_fuzzer/ through the fuzzer's own entry function
// (its source is linked into this test), so the corpus `./kx test` fuzzes from is also
// replayed under ASan/UBSan by a plain `bazel test`.
TEST(PageTableFuzzCorpusTest, CheckedInCorpus) {
  const std::size_t replayed = tests::fuzz::replay_corpus("page_table_fuzzer");
  EXPECT_GE(replayed, 10u) << "too few inputs in "
                           << tests::fuzz::corpus_dir("page_table_fuzzer");
  std::printf("replayed %zu inputs of %s\n", replayed,
              tests::fuzz::corpus_dir("page_table_fuzzer").c_str());
}

}  // namespace
}  // namespace mm::page_table
