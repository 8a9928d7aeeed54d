#include "lib/qr/qr.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lib/qr/report_chunks.h"

namespace keel::qr {
namespace {

std::span<const std::uint8_t> bytes_of(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

TEST(Capacity, MatchesTheStandardsTable) {
  // ISO/IEC 18004 table 7, byte mode.
  EXPECT_EQ(byte_capacity(1, Ecc::L), 17);
  EXPECT_EQ(byte_capacity(1, Ecc::M), 14);
  EXPECT_EQ(byte_capacity(1, Ecc::Q), 11);
  EXPECT_EQ(byte_capacity(1, Ecc::H), 7);
  EXPECT_EQ(byte_capacity(7, Ecc::M), 122);
  EXPECT_EQ(byte_capacity(10, Ecc::L), 271);
  EXPECT_EQ(byte_capacity(10, Ecc::H), 119);
  EXPECT_EQ(byte_capacity(25, Ecc::Q), 715);
  EXPECT_EQ(byte_capacity(40, Ecc::L), 2953);
  EXPECT_EQ(byte_capacity(40, Ecc::M), 2331);
  EXPECT_EQ(byte_capacity(40, Ecc::Q), 1663);
  EXPECT_EQ(byte_capacity(40, Ecc::H), 1273);
}

TEST(Encode, ChoosesTheSmallestVersionAndBoostsTheLevel) {
  auto code = std::make_unique<Code>();
  ASSERT_TRUE(encode(bytes_of("hello keel"), {}, *code));
  EXPECT_EQ(code->version(), 1);
  EXPECT_EQ(code->ecc(), Ecc::Q);  // 10 bytes fit 1-Q (11) but not 1-H (7)
  EXPECT_EQ(code->size(), 21);

  const std::string fifteen(15, 'x');
  ASSERT_TRUE(encode(bytes_of(fifteen), {.min_ecc = Ecc::M, .boost_ecc = false}, *code));
  EXPECT_EQ(code->version(), 2);
  EXPECT_EQ(code->ecc(), Ecc::M);
}

TEST(Encode, EveryVersionsCapacityFitsAndOneMoreByteDoesNot) {
  auto code = std::make_unique<Code>();
  for (int version = 1; version <= MAX_VERSION; ++version) {
    const std::string full(static_cast<std::size_t>(byte_capacity(version, Ecc::L)), 'k');
    const Options exact{.min_ecc = Ecc::L, .min_version = version, .max_version = version,
                        .boost_ecc = false};
    ASSERT_TRUE(encode(bytes_of(full), exact, *code)) << version;
    EXPECT_EQ(code->version(), version);
    const std::string over = full + "k";
    auto result = encode(bytes_of(over), exact, *code);
    ASSERT_FALSE(result) << version;
    EXPECT_EQ(result.error(), Error::TooLong);
  }
}

TEST(Encode, DrawsTheFunctionPatterns) {
  auto code = std::make_unique<Code>();
  ASSERT_TRUE(encode(bytes_of(std::string(300, 'a')), {.min_ecc = Ecc::L}, *code));
  const int n = code->size();
  ASSERT_GE(code->version(), 7);
  for (auto [cx, cy] : {std::pair{3, 3}, {n - 4, 3}, {3, n - 4}}) {
    EXPECT_TRUE(code->dark(cx, cy));       // centre
    EXPECT_FALSE(code->dark(cx + 2, cy));  // light ring
    EXPECT_TRUE(code->dark(cx + 3, cy));   // dark border
  }
  for (int i = 8; i < n - 8; ++i) {
    EXPECT_EQ(code->dark(i, 6), i % 2 == 0) << i;
    EXPECT_EQ(code->dark(6, i), i % 2 == 0) << i;
  }
  EXPECT_TRUE(code->dark(8, n - 8));  // the dark module
  EXPECT_FALSE(code->dark(-1, 0));    // quiet zone
  EXPECT_FALSE(code->dark(n, n));
}

TEST(Encode, ForcedMaskIsUsedAndMasksDiffer) {
  auto a = std::make_unique<Code>();
  auto b = std::make_unique<Code>();
  ASSERT_TRUE(encode(bytes_of("mask"), {.mask = 2}, *a));
  ASSERT_TRUE(encode(bytes_of("mask"), {.mask = 5}, *b));
  EXPECT_EQ(a->mask(), 2);
  EXPECT_EQ(b->mask(), 5);
  int differing = 0;
  for (int y = 0; y < a->size(); ++y) {
    for (int x = 0; x < a->size(); ++x) differing += a->dark(x, y) != b->dark(x, y);
  }
  EXPECT_GT(differing, 0);
}

TEST(Encode, RefusesBadOptions) {
  auto code = std::make_unique<Code>();
  EXPECT_EQ(encode(bytes_of("x"), {.mask = 8}, *code).error(), Error::BadMask);
  EXPECT_EQ(encode(bytes_of("x"), {.min_version = 0}, *code).error(), Error::BadVersionRange);
  EXPECT_EQ(encode(bytes_of("x"), {.min_version = 5, .max_version = 4}, *code).error(),
            Error::BadVersionRange);
  EXPECT_EQ(encode(bytes_of(std::string(100, 'x')), {.max_version = 2}, *code).error(),
            Error::TooLong);
}

TEST(Crc32, MatchesZlib) {
  EXPECT_EQ(crc32(""), 0u);
  EXPECT_EQ(crc32("123456789"), 0xCBF43926u);  // the standard check value
}

TEST(Chunks, NumberedPiecesJoinBackIntoTheReport) {
  const std::string report = "{\"benchmarks\": [1, 2, 3], \"context\": {}}";
  const std::uint32_t crc = crc32(report);
  ASSERT_EQ(chunk_count(report.size(), 16), 3u);
  std::vector<char> piece(MAX_CHUNK_HEADER + 16);
  std::string joined;
  for (std::size_t i = 0; i < 3; ++i) {
    const std::size_t length = chunk_text(report, crc, i, 16, piece);
    const std::string_view text(piece.data(), length);
    const auto newline = text.find('\n');
    ASSERT_NE(newline, std::string_view::npos);
    char want[64];
    std::snprintf(want, sizeof want, "keel-bench %zu/3 %zu %08x", i + 1, report.size(), crc);
    EXPECT_EQ(text.substr(0, newline), want);
    joined += text.substr(newline + 1);
  }
  EXPECT_EQ(joined, report);
}

TEST(Chunks, EmptyReportIsOnePieceAndShortBufferIsRefused) {
  EXPECT_EQ(chunk_count(0, 100), 1u);
  std::vector<char> piece(MAX_CHUNK_HEADER + 100);
  const std::size_t length = chunk_text("", crc32(""), 0, 100, piece);
  EXPECT_EQ(std::string_view(piece.data(), length), "keel-bench 1/1 0 00000000\n");
  std::vector<char> small(10);
  EXPECT_EQ(chunk_text("abc", 0, 0, 100, small), 0u);
}

}  // namespace
}  // namespace keel::qr
