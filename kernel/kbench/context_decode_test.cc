// The report context's decoders: CPUID cache leaves and the CMOS clock.
#include <gtest/gtest.h>

#include "kernel/kbench/cpu_caches.h"
#include "kernel/kbench/date.h"

namespace kernel::kbench {
namespace {

// EAX/EBX/ECX of a leaf-4 subleaf.
constexpr std::uint32_t eax_of(std::uint32_t type, std::uint32_t level, std::uint32_t sharing) {
  return type | (level << 5) | ((sharing - 1) << 14);
}
constexpr std::uint32_t ebx_of(std::uint32_t line, std::uint32_t partitions, std::uint32_t ways) {
  return (line - 1) | ((partitions - 1) << 12) | ((ways - 1) << 22);
}

TEST(DecodeCacheLeaf, L1DataAndSharedL3) {
  const auto l1d = decode_cache_leaf(eax_of(1, 1, 2), ebx_of(64, 1, 8), 63);
  ASSERT_TRUE(l1d);
  EXPECT_EQ(l1d->type, CacheType::Data);
  EXPECT_EQ(l1d->level, 1);
  EXPECT_EQ(l1d->size_bytes, 32u * 1024);
  EXPECT_EQ(l1d->num_sharing, 2u);
  const auto l3 = decode_cache_leaf(eax_of(3, 3, 16), ebx_of(64, 1, 16), 16383);
  ASSERT_TRUE(l3);
  EXPECT_EQ(l3->type, CacheType::Unified);
  EXPECT_EQ(l3->size_bytes, 16u << 20);
  EXPECT_STREQ(cache_type_name(l3->type), "Unified");
}

TEST(DecodeCacheLeaf, EndOfListAndReservedTypes) {
  EXPECT_FALSE(decode_cache_leaf(0, 0, 0));
  EXPECT_FALSE(decode_cache_leaf(4, ebx_of(64, 1, 8), 63));
}

TEST(DecodeAmdLegacyCaches, SizesFromLeaves5And6) {
  CacheInfo caches[4];
  // 64 KiB L1d, 64 KiB L1i, 512 KiB L2, 16 MiB L3 (32 x 512 KiB); the low bits (ways,
  // line size) do not matter for the size.
  const std::size_t n = decode_amd_legacy_caches(0x4002'0140, 0x4002'0140, 0x0200'6140,
                                                 (32u << 18) | 0x6140, caches);
  ASSERT_EQ(n, 4u);
  EXPECT_EQ(caches[0].type, CacheType::Data);
  EXPECT_EQ(caches[0].size_bytes, 64u << 10);
  EXPECT_EQ(caches[1].type, CacheType::Instruction);
  EXPECT_EQ(caches[2].level, 2);
  EXPECT_EQ(caches[2].size_bytes, 512u << 10);
  EXPECT_EQ(caches[3].level, 3);
  EXPECT_EQ(caches[3].size_bytes, 16u << 20);
  EXPECT_EQ(caches[3].num_sharing, 0u);
}

TEST(DecodeAmdLegacyCaches, SkipsAbsentCachesAndRespectsCapacity) {
  CacheInfo caches[2];
  EXPECT_EQ(decode_amd_legacy_caches(0x4002'0140, 0, 0x0200'6140, 0, caches), 2u);
  EXPECT_EQ(caches[1].level, 2);
  EXPECT_EQ(decode_amd_legacy_caches(0x4002'0140, 0x4002'0140, 0x0200'6140, 32u << 18, caches),
            2u);
}

std::string iso(const DateTime& d) {
  keel::fmt::FixedString<64> out;
  keel::fmt::print(out, "{}", d);
  return std::string(out.view());
}

TEST(DecodeRtc, BcdTwentyFourHour) {
  const auto d = decode_rtc({0x59, 0x07, 0x23, 0x31, 0x12, 0x25, 0x20, 0x02});
  ASSERT_TRUE(d);
  EXPECT_EQ(iso(*d), "2025-12-31T23:07:59+00:00");
}

TEST(DecodeRtc, BinaryTwelveHour) {
  // 12-hour mode: 0x80 | hour marks PM; 12 AM is midnight.
  const auto pm = decode_rtc({5, 4, 0x80 | 3, 1, 2, 24, 20, 0x04});
  ASSERT_TRUE(pm);
  EXPECT_EQ(iso(*pm), "2024-02-01T15:04:05+00:00");
  const auto midnight = decode_rtc({0, 0, 12, 1, 2, 24, 20, 0x04});
  ASSERT_TRUE(midnight);
  EXPECT_EQ(midnight->hour, 0);
}

TEST(DecodeRtc, ImplausibleCenturyMeansTwentieth) {
  const auto d = decode_rtc({0, 0, 0, 1, 1, 0x30, 0x00, 0x02});
  ASSERT_TRUE(d);
  EXPECT_EQ(d->year, 2030);
}

TEST(DecodeRtc, AbsentClockIsRejected) {
  EXPECT_FALSE(decode_rtc({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}));
  EXPECT_FALSE(decode_rtc({0x00, 0x00, 0x00, 0x00, 0x01, 0x25, 0x20, 0x02}));  // day 0
  EXPECT_FALSE(decode_rtc({0x00, 0x00, 0x00, 0x01, 0x13, 0x25, 0x20, 0x02}));  // month 13
  EXPECT_FALSE(decode_rtc({0x60, 0x00, 0x00, 0x01, 0x01, 0x25, 0x20, 0x02}));  // second 60
}

TEST(DecodeRtc, EpochFallbackIsValidIso) {
  EXPECT_EQ(iso(UNIX_EPOCH), "1970-01-01T00:00:00+00:00");
}

}  // namespace
}  // namespace kernel::kbench
