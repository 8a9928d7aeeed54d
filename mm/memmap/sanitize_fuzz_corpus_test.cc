// Runs the fuzzer's property check over a deterministic pseudo-random corpus, so `bazel
// test` checks the sanitizer's properties without libFuzzer.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "mm/memmap/memory_map.h"
#include "mm/memmap/sanitize.h"
#include "mm/memmap/testing/sanitize_properties.h"
#include "lib/fmt/string_sink.h"
#include "tests/fuzz/corpus_replay.h"

namespace mm::memmap {
namespace {

// Addresses that hit the interesting cases: near 0, 1 MiB, 4 GiB, the physical limits,
// 2^64; page-aligned and byte-granular.
std::uint64_t interesting_address(std::mt19937_64& rng) {
  static constexpr std::uint64_t ANCHORS[] = {
      0,           0x9fc00,       0x100000,           0x7fffffff,         0xc0000000,
      0x100000000, 0x10000000000, 0x3fff00000000,     0x400000000000,     0xffffffffffff,
      0x8000000000000000, 0xfffffffffffff000};
  const std::uint64_t anchor = ANCHORS[rng() % std::size(ANCHORS)];
  switch (rng() % 4) {
    case 0: return anchor;
    case 1: return anchor + (rng() % 64) * 0x1000;
    case 2: return anchor + rng() % 0x40000;  // byte granular
    default: return anchor - (rng() % 16) * 0x1000;
  }
}

std::uint64_t interesting_length(std::mt19937_64& rng) {
  switch (rng() % 6) {
    case 0: return 0;
    case 1: return rng() % 0x3000;
    case 2: return (rng() % 1024) * 0x1000;
    case 3: return (rng() % 8 + 1) * 0x40000000ull;
    case 4: return ~std::uint64_t{0} - rng() % 0x10000;  // wraps
    default: return rng() % 0x100000;
  }
}

std::vector<std::uint8_t> generate(std::mt19937_64& rng) {
  const std::size_t count = rng() % 24 == 0 ? memmap::MAX_FIRMWARE_REGIONS + 1 - rng() % 3 : rng() % 16;
  std::vector<std::uint8_t> bytes(1 + count * 24);
  bytes[0] = static_cast<std::uint8_t>(rng() % 3 == 0 ? 0 : 32 + rng() % 20);
  for (std::size_t i = 0; i < count; ++i) {
    std::uint8_t* e = bytes.data() + 1 + i * 24;
    const std::uint64_t base = interesting_address(rng);
    // Mostly usable so maps are rarely rejected; then the other e820 and EFI types.
    const std::uint64_t length = rng() % 50 == 0 ? interesting_length(rng)
                                                  : interesting_length(rng) % (1ull << 40);
    const std::uint32_t type = rng() % 2 == 0 ? 1 : static_cast<std::uint32_t>(rng() % 20);
    const std::uint32_t flags = (rng() % 4 == 0 ? 1 : 0) | (rng() % 64 == 0 ? 2 : 0);
    std::memcpy(e, &base, 8);
    std::memcpy(e + 8, &length, 8);
    std::memcpy(e + 16, &type, 4);
    std::memcpy(e + 20, &flags, 4);
  }
  return bytes;
}

TEST(SanitizeFuzzCorpus, PropertiesHoldOnGeneratedInputs) {
  std::mt19937_64 rng(0x6b65656c);  // "keel"
  int failures = 0;
  int outcomes[4] = {};  // success, then one per MemoryMapErrorCode
  int past_top_warned = 0;  // inputs with an entry running past 2^64, warned about
  auto map = std::make_unique<memmap::MemoryMap>();
  for (int i = 0; i < 20000 && failures < 5; ++i) {
    const auto bytes = generate(rng);
    const mm::memmap::testing::FuzzInput input = mm::memmap::testing::decode_fuzz_input(bytes.data(), bytes.size());
    const auto violation = mm::memmap::testing::sanitizer_property_violation(input);
    if (violation) {
      ++failures;
      std::string entries;
      for (const memmap::FirmwareRegion& e : input.entries) {
        entries += "\n  base " + keel::fmt::to_text(e.base) + " length " + keel::fmt::to_text(e.length) + " type " +
                   std::to_string(e.type) + (e.kind == memmap::FirmwareMapKind::Efi ? " EFI" : " e820") +
                   (e.length_saturated ? " saturated" : "");
      }
      ADD_FAILURE() << "input " << i << ": " << *violation << "; phys bits " << input.phys_addr_bits
                    << entries;
    }
    memmap::MapWarnings warnings;
    const auto result = sanitize_memory_map(input.entries, {input.phys_addr_bits}, *map, warnings);
    ++outcomes[result ? 0 : 1 + static_cast<int>(result.error().code)];
    for (const memmap::MapWarning& w : warnings.list()) {
      if (w.kind == memmap::MapWarningKind::RunsPast2To64) {
        ++past_top_warned;
        break;
      }
    }
  }
  // The corpus must reach every path worth checking, not just the rejections.
  EXPECT_GT(outcomes[0], 8000);
  EXPECT_GT(outcomes[1 + static_cast<int>(memmap::MemoryMapErrorCode::TooManyEntries)], 100);
  EXPECT_GT(outcomes[1 + static_cast<int>(memmap::MemoryMapErrorCode::NoUsableMemory)], 100);
  EXPECT_GT(past_top_warned, 100);
  std::printf("outcomes: ok %d, too many %d, no usable %d; past 2^64 warned in %d\n", outcomes[0],
              outcomes[1], outcomes[2], past_top_warned);
}

// Every input of tests/fuzz/corpus/memmap_sanitize_fuzzer/ through the fuzzer's own entry function
// (its source is linked into this test), so the corpus `./kx test` fuzzes from is also
// replayed under ASan/UBSan by a plain `bazel test`.
TEST(SanitizeFuzzCorpus, CheckedInCorpus) {
  const std::size_t replayed = tests::fuzz::replay_corpus("memmap_sanitize_fuzzer");
  EXPECT_GE(replayed, 10u) << "too few inputs in "
                           << tests::fuzz::corpus_dir("memmap_sanitize_fuzzer");
  std::printf("replayed %zu inputs of %s\n", replayed,
              tests::fuzz::corpus_dir("memmap_sanitize_fuzzer").c_str());
}

TEST(SanitizeFuzzCorpus, DecodesEntriesAndKind) {
  std::vector<std::uint8_t> bytes(1 + 24 + 5, 0);
  bytes[0] = 40;
  const std::uint64_t base = 0x1000, length = 0x2000;
  const std::uint32_t type = 7, reserved = 1;
  std::memcpy(&bytes[1], &base, 8);
  std::memcpy(&bytes[9], &length, 8);
  std::memcpy(&bytes[17], &type, 4);
  std::memcpy(&bytes[21], &reserved, 4);
  const mm::memmap::testing::FuzzInput input = mm::memmap::testing::decode_fuzz_input(bytes.data(), bytes.size());
  EXPECT_EQ(input.phys_addr_bits, 40u);
  ASSERT_EQ(input.entries.size(), 1u);  // the 5 trailing bytes are not an entry
  EXPECT_EQ(input.entries[0].base, 0x1000u);
  EXPECT_EQ(input.entries[0].length, 0x2000u);
  EXPECT_EQ(input.entries[0].type, 7u);
  EXPECT_EQ(input.entries[0].kind, memmap::FirmwareMapKind::Efi);
}

}  // namespace
}  // namespace mm::memmap
