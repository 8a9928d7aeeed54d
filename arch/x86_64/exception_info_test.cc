#include "arch/x86_64/exception_info.h"

#include <gtest/gtest.h>

#include <string>

#include "arch/x86_64/trap_frame.h"

namespace arch {
namespace {

template <typename F>
std::string render(F&& f) {
  char buffer[512];
  keel::fmt::BufferSink sink(buffer, sizeof(buffer));
  f(sink);
  return std::string(sink.view());
}

TEST(ExceptionInfo, NamesAndMnemonics) {
  EXPECT_STREQ(exception_mnemonic(14), "#PF");
  EXPECT_STREQ(exception_name(14), "Page Fault");
  EXPECT_STREQ(exception_mnemonic(13), "#GP");
  EXPECT_STREQ(exception_name(8), "Double Fault");
  EXPECT_STREQ(exception_name(18), "Machine Check");
  EXPECT_STREQ(exception_name(15), "Reserved");
  EXPECT_STREQ(exception_mnemonic(32), "IRQ");
  EXPECT_STREQ(exception_name(255), "Interrupt");
  EXPECT_STREQ(exception_name(~std::uint64_t{0}), "Interrupt");
}

TEST(ExceptionInfo, ErrorCodeVectorsMatchTheSdm) {
  const int with_code[] = {8, 10, 11, 12, 13, 14, 17, 21, 29, 30};
  int n = 0;
  for (std::uint64_t v = 0; v < 256; ++v) {
    if (exception_has_error_code(v)) {
      ASSERT_LT(n, 10);
      EXPECT_EQ(static_cast<int>(v), with_code[n++]);
    }
  }
  EXPECT_EQ(n, 10);
}

TEST(ExceptionInfo, PageFaultDecoding) {
  EXPECT_EQ(render([](keel::fmt::Sink& s) { format_page_fault_error(s, 0); }),
            "not-present page, read, kernel mode");
  EXPECT_EQ(render([](keel::fmt::Sink& s) { format_page_fault_error(s, PF_WRITE); }),
            "not-present page, write, kernel mode");
  EXPECT_EQ(render([](keel::fmt::Sink& s) { format_page_fault_error(s, PF_PRESENT | PF_WRITE | PF_USER); }),
            "protection violation, write, user mode");
  EXPECT_EQ(render([](keel::fmt::Sink& s) { format_page_fault_error(s, PF_PRESENT | PF_INSTRUCTION); }),
            "protection violation, instruction fetch, kernel mode");
  EXPECT_EQ(render([](keel::fmt::Sink& s) { format_page_fault_error(s, PF_PRESENT | PF_RESERVED); }),
            "protection violation, read, kernel mode, reserved bit set in a paging entry");
  EXPECT_EQ(render([](keel::fmt::Sink& s) {
              format_page_fault_error(s, PF_PROTECTION_KEY | PF_SHADOW_STACK | PF_SGX);
            }),
            "not-present page, read, kernel mode, protection key, shadow stack, SGX");
}

TEST(ExceptionInfo, SelectorErrorDecoding) {
  EXPECT_EQ(render([](keel::fmt::Sink& s) { format_selector_error(s, 0); }), "0 (not selector-related)");
  EXPECT_EQ(render([](keel::fmt::Sink& s) { format_selector_error(s, 0x28); }),
            "selector 0x28 (GDT index 5)");
  EXPECT_EQ(render([](keel::fmt::Sink& s) { format_selector_error(s, 0x14); }),
            "selector 0x10 (LDT index 2)");
  EXPECT_EQ(render([](keel::fmt::Sink& s) { format_selector_error(s, (13 << 3) | 2); }), "IDT vector 13");
  EXPECT_EQ(render([](keel::fmt::Sink& s) { format_selector_error(s, (32 << 3) | 2 | 1); }),
            "IDT vector 32, external event");
  EXPECT_TRUE(exception_has_selector_error(13));
  EXPECT_FALSE(exception_has_selector_error(14));
}

TEST(ExceptionInfo, RflagsDecoding) {
  EXPECT_EQ(render([](keel::fmt::Sink& s) { format_rflags(s, 0x2); }), "[]");
  EXPECT_EQ(render([](keel::fmt::Sink& s) { format_rflags(s, 0x246); }), "[PF ZF IF]");
  EXPECT_EQ(render([](keel::fmt::Sink& s) { format_rflags(s, 0x10283 | (3u << 12)); }),
            "[CF SF IF RF IOPL=3]");
}

TEST(TrapFrame, LayoutMatchesEntryAssembly) {
  // exception_entry.S: TF_RBP = 8*8, TF_RIP = 17*8 (also static_asserted in the header).
  EXPECT_EQ(offsetof(TrapFrame, rbp), 64u);
  EXPECT_EQ(offsetof(TrapFrame, rip), 136u);
}

}  // namespace
}  // namespace arch
