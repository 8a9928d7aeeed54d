// Runs the fuzz entry over ~20000 deterministic mutations of valid inputs, so a plain
// `bazel test` exercises the parsers' bounds checks under ASan/UBSan.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

#include "boot/fuzz/fuzz_entry.h"
#include "tests/fuzz/corpus_replay.h"

namespace boot::fuzz {
namespace {

// splitmix64: small, deterministic, good enough to spread mutations.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  std::size_t below(std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(next() % n); }

 private:
  std::uint64_t state_;
};

// Values that sit on the parsers' edges: sizes around headers, entry sizes, huge counts.
constexpr std::uint32_t INTERESTING[] = {0,  1,  4,  7,  8,  12, 15, 16, 20, 23, 24, 28,
                                         32, 36, 40, 44, 47, 48, 64, 0x7fffffff, 0xffffffff,
                                         0x80000000, 0xfffffff8, 1024, 4096};

void mutate(std::vector<std::uint8_t>& input, Rng& rng) {
  const int rounds = 1 + static_cast<int>(rng.below(4));
  for (int round = 0; round < rounds; ++round) {
    if (input.size() < 2) return;
    // Index 0 is the selector: keep it so each seed stays aimed at its parser.
    const std::size_t at = 1 + rng.below(input.size() - 1);
    switch (rng.below(6)) {
      case 0:  // flip a bit
        input[at] ^= static_cast<std::uint8_t>(1u << rng.below(8));
        break;
      case 1: {  // an interesting u32, aligned like the fields are
        const std::size_t field = 1 + ((at - 1) & ~std::size_t{3});
        const std::uint32_t value = INTERESTING[rng.below(std::size(INTERESTING))];
        for (std::size_t i = 0; i < 4 && field + i < input.size(); ++i) {
          input[field + i] = static_cast<std::uint8_t>(value >> (8 * i));
        }
        break;
      }
      case 2:  // random byte
        input[at] = static_cast<std::uint8_t>(rng.next());
        break;
      case 3:  // truncate
        input.resize(at);
        break;
      case 4: {  // duplicate a chunk at the end (extra tags, longer strings)
        const std::size_t length = rng.below(64);
        for (std::size_t i = 0; i < length && at + i < input.size(); ++i) {
          input.push_back(input[at + i]);
        }
        break;
      }
      case 5:  // zero a run (NULs, zero sizes)
        for (std::size_t i = 0; i < 8 && at + i < input.size(); ++i) input[at + i] = 0;
        break;
    }
  }
}

TEST(BootInfoFuzzCorpus, SeedsParse) {
  for (const auto& seed : boot_info_seed_inputs()) {
    EXPECT_TRUE(run_boot_info_fuzz_input(seed).parsed) << "selector " << int(seed[0]);
  }
}

// Every input of tests/fuzz/corpus/boot_info_fuzzer/ through the fuzzer's own entry function
// (its source is linked into this test), so the corpus `./kx test` fuzzes from is also
// replayed under ASan/UBSan by a plain `bazel test`.
TEST(BootInfoFuzzCorpus, CheckedInCorpus) {
  const std::size_t replayed = tests::fuzz::replay_corpus("boot_info_fuzzer");
  EXPECT_GE(replayed, 10u) << "too few inputs in "
                           << tests::fuzz::corpus_dir("boot_info_fuzzer");
  std::printf("replayed %zu inputs of %s\n", replayed,
              tests::fuzz::corpus_dir("boot_info_fuzzer").c_str());
}

TEST(BootInfoFuzzCorpus, TwentyThousandMutations) {
  const auto seeds = boot_info_seed_inputs();
  Rng rng(0x6b65656c);  // "keel"
  int parsed[3] = {}, rejected[3] = {};
  constexpr int ITERATIONS = 20000;
  for (int i = 0; i < ITERATIONS; ++i) {
    auto input = seeds[rng.below(seeds.size())];
    mutate(input, rng);
    const auto outcome = run_boot_info_fuzz_input(input);
    (outcome.parsed ? parsed : rejected)[static_cast<int>(outcome.target)]++;
  }
  // The mutations must reach past the header checks in both directions, or this test
  // proves nothing: both parsers see plenty of accepted and rejected inputs.
  std::printf("multiboot2 %d/%d, pvh %d/%d, cmdline %d/%d (accepted/rejected)\n", parsed[0],
              rejected[0], parsed[1], rejected[1], parsed[2], rejected[2]);
  for (int target = 0; target < 2; ++target) {
    EXPECT_GT(parsed[target], 500) << "target " << target;
    EXPECT_GT(rejected[target], 500) << "target " << target;
  }
}

}  // namespace
}  // namespace boot::fuzz
