#include "boot/boot_info.h"

#include <gtest/gtest.h>

#include <string>

#include "lib/fmt/format.h"
#include "lib/fmt/string_sink.h"

namespace boot {
namespace {

using keel::fmt::StringSink;

using keel::fmt::format;

TEST(BootInfo, ErrorNamesAreDistinct) {
  const BootInfoError all[] = {
      BootInfoError::BadMagic,     BootInfoError::Misaligned,   BootInfoError::TooSmall,
      BootInfoError::TruncatedTag, BootInfoError::BadTagSize,   BootInfoError::BadEntrySize,
      BootInfoError::MissingEnd,   BootInfoError::NoMemoryMap,  BootInfoError::UnterminatedString,
      BootInfoError::BadVersion,   BootInfoError::Unreadable,   BootInfoError::BadModule};
  for (const auto a : all) {
    for (const auto b : all) {
      if (a != b) EXPECT_STRNE(error_name(a), error_name(b));
    }
  }
  EXPECT_STREQ(error_name(static_cast<BootInfoError>(200)), "UnknownBootInfoError");
}

TEST(BootInfo, PathNames) {
  EXPECT_STREQ(boot_path_name(BootPath::Multiboot2Bios), "multiboot2 (BIOS)");
  EXPECT_STREQ(boot_path_name(BootPath::Multiboot2Uefi), "multiboot2 (UEFI)");
  EXPECT_STREQ(boot_path_name(BootPath::Pvh), "PVH");
}

TEST(BootInfo, ErrorsFormatByName) {
  EXPECT_EQ(format("[{}] [{:>12}]", BootInfoError::MissingEnd, BootInfoError::BadMagic),
            "[MissingEnd] [    BadMagic]");
}

TEST(BootInfo, FailuresFormatWithTheirLocation) {
  EXPECT_EQ(format("{}", BootInfoFailure{BootInfoError::TruncatedTag, 0x1a8, 6, 0x101a8}),
            "TruncatedTag at offset 0x1a8 (tag 6) paddr 0x101a8");
  EXPECT_EQ(format("{}", BootInfoFailure{BootInfoError::Unreadable, 40, BootInfoFailure::NO_TAG,
                                         0x7fff0000}),
            "Unreadable at offset 0x28 paddr 0x7fff0000");
  EXPECT_EQ(format("{}", BootInfoFailure{BootInfoError::BadMagic}), "BadMagic at offset 0x0");
}

TEST(BootInfo, CommandLineStopsAtNul) {
  BootInfo info;
  EXPECT_EQ(info.command_line(), "");
  info.cmdline[0] = 'a';
  info.cmdline[1] = 'b';
  EXPECT_EQ(info.command_line(), "ab");
  info.cmdline.fill('x');  // no NUL at all: bounded by the array
  EXPECT_EQ(info.command_line().size(), MAX_CMDLINE);
}

}  // namespace
}  // namespace boot
