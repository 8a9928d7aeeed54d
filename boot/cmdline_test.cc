#include "boot/cmdline.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "lib/fmt/format.h"
#include "lib/fmt/string_sink.h"

namespace boot {
namespace {

using keel::fmt::StringSink;

TEST(Cmdline, KeyValueAndBareWords) {
  const auto cmdline = Cmdline::parse("console=ttyS0  ktest\tkbench.repetitions=20 mm.check=");
  ASSERT_EQ(cmdline.words().size(), 4u);
  EXPECT_EQ(cmdline.find("console"), "ttyS0");
  EXPECT_EQ(cmdline.find("ktest"), "");
  EXPECT_TRUE(cmdline.has("ktest"));
  EXPECT_TRUE(cmdline.has("mm.check"));
  EXPECT_FALSE(cmdline.words()[1].value.has_value());
  EXPECT_TRUE(cmdline.words()[3].value.has_value());
  EXPECT_FALSE(cmdline.has("kbench"));
  EXPECT_FALSE(cmdline.find("ktes").has_value());
  EXPECT_EQ(cmdline.find_u64("kbench.repetitions"), 20u);
}

TEST(Cmdline, LaterWordsOverride) {
  const auto cmdline = Cmdline::parse("loglevel=3 loglevel=7");
  EXPECT_EQ(cmdline.find_u64("loglevel"), 7u);
}

TEST(Cmdline, QuotedValues) {
  const auto cmdline =
      Cmdline::parse(R"(ktest.filter="mm buddy*" "console=tty S0" x="" open="never closed)");
  EXPECT_EQ(cmdline.find("ktest.filter"), "mm buddy*");
  EXPECT_EQ(cmdline.find("console"), "tty S0");
  EXPECT_EQ(cmdline.find("x"), "");
  EXPECT_EQ(cmdline.find("open"), "never closed");
  EXPECT_EQ(cmdline.words().size(), 4u);
}

TEST(Cmdline, ValueMayContainEquals) {
  EXPECT_EQ(Cmdline::parse("a=b=c").find("a"), "b=c");
}

TEST(Cmdline, SkipsLeadingKernelPath) {
  const auto cmdline = Cmdline::parse("  /boot/keel.elf ktest");
  ASSERT_EQ(cmdline.words().size(), 1u);
  EXPECT_EQ(cmdline.words()[0].key, "ktest");
  // Only the first word: a later path-like word is an (unknown) key.
  EXPECT_EQ(Cmdline::parse("ktest /x").words().size(), 2u);
}

TEST(Cmdline, EmptyAndBlank) {
  EXPECT_TRUE(Cmdline::parse("").words().empty());
  EXPECT_TRUE(Cmdline::parse(" \t\n ").words().empty());
  EXPECT_FALSE(Cmdline::parse("").truncated());
}

TEST(Cmdline, TooManyWordsAreDropped) {
  std::string text;
  for (std::size_t i = 0; i < MAX_CMDLINE_WORDS + 5; ++i) text += "k" + std::to_string(i) + " ";
  const auto cmdline = Cmdline::parse(text);
  EXPECT_EQ(cmdline.words().size(), MAX_CMDLINE_WORDS);
  EXPECT_TRUE(cmdline.truncated());
  EXPECT_TRUE(cmdline.has("k0"));
  EXPECT_FALSE(cmdline.has("k64"));
}

TEST(Cmdline, Numbers) {
  EXPECT_EQ(parse_u64("0"), 0u);
  EXPECT_EQ(parse_u64("12345"), 12345u);
  EXPECT_EQ(parse_u64("0x1F"), 31u);
  EXPECT_EQ(parse_u64("0XfF"), 255u);
  EXPECT_EQ(parse_u64("18446744073709551615"), 18446744073709551615ull);
  EXPECT_EQ(parse_u64("0xffffffffffffffff"), 18446744073709551615ull);
  EXPECT_FALSE(parse_u64("18446744073709551616").has_value());
  EXPECT_FALSE(parse_u64("0x10000000000000000").has_value());
  EXPECT_FALSE(parse_u64("99999999999999999999999").has_value());
  EXPECT_FALSE(parse_u64("").has_value());
  EXPECT_FALSE(parse_u64("0x").has_value());
  EXPECT_FALSE(parse_u64("12a").has_value());
  EXPECT_FALSE(parse_u64("-1").has_value());
  EXPECT_FALSE(parse_u64(" 1").has_value());
  EXPECT_FALSE(parse_u64("1f").has_value());
  const auto cmdline = Cmdline::parse("a=0x10 b=zz c");
  EXPECT_EQ(cmdline.find_u64("a"), 16u);
  EXPECT_FALSE(cmdline.find_u64("b").has_value());
  EXPECT_FALSE(cmdline.find_u64("c").has_value());  // bare: no number
  EXPECT_FALSE(cmdline.find_u64("d").has_value());
}

TEST(Cmdline, WarnsAboutUnknownKeys) {
  const std::string_view known[] = {"ktest", "ktest.filter", "kbench", "kbench.", "console",
                                    "mm.check", "poweroff", "reboot", "loglevel"};
  const auto cmdline = Cmdline::parse(
      "/kernel ktest ktest.filter=x kbench.repetitions=3 kbench.filter=y foo consolee=1 "
      "ktest.other mm.check");
  StringSink sink;
  cmdline.warn_unknown(known, sink);
  EXPECT_EQ(sink.str(),
            "cmdline: unknown key 'foo' (ignored)\n"
            "cmdline: unknown key 'consolee' (ignored)\n"
            "cmdline: unknown key 'ktest.other' (ignored)\n");
}

TEST(Cmdline, NoWarningsWhenAllKnown) {
  const std::string_view known[] = {"console", "ktest"};
  StringSink sink;
  Cmdline::parse("console=ttyS0 ktest").warn_unknown(known, sink);
  EXPECT_EQ(sink.str(), "");
}

}  // namespace
}  // namespace boot
