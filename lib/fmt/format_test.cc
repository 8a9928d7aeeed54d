#include "lib/fmt/format.h"
#include "lib/fmt/string_sink.h"

#include <gtest/gtest.h>

#include <string>

namespace keel::fmt {
namespace {

using keel::fmt::StringSink;

using keel::fmt::format;

TEST(Format, Integers) {
  EXPECT_EQ(format("{} {} {}", 0, -42, 18446744073709551615ull), "0 -42 18446744073709551615");
  EXPECT_EQ(format("{:x} {:#x} {:#X} {:b}", 255, 255, 255, 5), "ff 0xff 0xFF 101");
  EXPECT_EQ(format("{:#018x}", 0x1000), "0x0000000000001000");
  EXPECT_EQ(format("{:>6}|{:<6}|{:6}", 12, 12, 12), "    12|12    |    12");
  EXPECT_EQ(format("{}", static_cast<std::int64_t>(-9223372036854775807ll - 1)),
            "-9223372036854775808");
}

TEST(Format, TextAndEscapes) {
  EXPECT_EQ(format("{} {} {} {}", "abc", std::string_view("de"), true, 'x'), "abc de true x");
  EXPECT_EQ(format("{{}} {:>5}|{:<5}|", "ab", "cd"), "{}    ab|cd   |");
}

TEST(Format, MalformedFieldsDoNotReadPastTheFormat) {
  EXPECT_EQ(format("a {:q} b", 1), "a {?} b");
  EXPECT_EQ(format("a {} {}", 1), "a 1 {?}");
  EXPECT_EQ(format("a {", 1), "a {?}");
}

TEST(Format, HumanBytes) {
  EXPECT_EQ(format("{}", keel::fmt::HumanBytes{17}), "17 B");
  EXPECT_EQ(format("{}", keel::fmt::HumanBytes{4096}), "4 KiB");
  EXPECT_EQ(format("{}", keel::fmt::HumanBytes{512ull << 20}), "512 MiB");
  EXPECT_EQ(format("{}", keel::fmt::HumanBytes{(3ull << 30) + (512ull << 20)}), "3.5 GiB");
}

enum class SampleError : std::uint8_t { First, Second };
constexpr const char* error_name(SampleError e) {
  switch (e) {
    case SampleError::First: return "First";
    case SampleError::Second: return "Second (with why)";
  }
  return "SampleError(?)";
}
enum class UnnamedEnum : std::uint8_t { Zero };
template <typename T>
concept Formattable = requires(keel::fmt::Sink& sink, T value) { keel::fmt::format_value(sink, keel::fmt::Spec{}, value); };

TEST(Format, ErrorEnumsPrintTheirNames) {
  EXPECT_EQ(format("{} / {:>8}", SampleError::Second, SampleError::First),
            "Second (with why) /    First");
  static_assert(keel::fmt::NamedError<SampleError>);
  // An enum without a printer does not format at all (no silent integer).
  static_assert(!keel::fmt::NamedError<UnnamedEnum>);
  static_assert(Formattable<SampleError> && !Formattable<UnnamedEnum>);
}

TEST(Format, BufferSinkTruncates) {
  char buf[4];
  keel::fmt::BufferSink sink(buf, sizeof(buf));
  keel::fmt::print(sink, "{}", 123456);
  EXPECT_EQ(sink.view(), "1234");
  EXPECT_TRUE(sink.truncated());
}

}  // namespace

}  // namespace keel::fmt
