// The quiet boot's held log: output is kept while held (and still reaches a capture),
// the overflow is counted, and a release, a drop and a panic each end the holding.
#define KTEST_SUITE "kernel.console"
#include "kernel/console.h"
#include "kernel/ktest/ktest.h"
#include "kernel/panic/panic.h"

namespace kernel {
namespace {

class CountingSink final : public keel::fmt::Sink {
 public:
  void write(std::string_view text) override { bytes += text.size(); }
  std::size_t bytes = 0;
};

KTEST(held_output_is_kept_until_released) {
  KEXPECT_EQ(kernel::held_log_bytes(), 0u);
  CountingSink seen;
  {
    kernel::ScopedConsoleCapture capture(seen);
    kernel::hold_log();
    kernel::console_print("{}\n", "held line (printed when the test releases the log)");
    const std::size_t held = kernel::held_log_bytes();
    kernel::release_held_log();
    KEXPECT_EQ(held, seen.bytes);
    KEXPECT_GT(held, 0u);
  }
  KEXPECT_EQ(kernel::held_log_bytes(), 0u);
}

KTEST(overflow_is_counted_not_kept) {
  kernel::hold_log();
  constexpr std::string_view LINE = "0123456789abcdef0123456789abcdef0123456789abcdef012345678\n";
  std::size_t written = 0;
  while (written <= kernel::HELD_LOG_BYTES) {
    kernel::console_print("{}", LINE);
    written += LINE.size();
  }
  KEXPECT_EQ(kernel::held_log_bytes(), written);
  kernel::drop_held_log();  // not 32 KiB of test pattern in the log
  KEXPECT_EQ(kernel::held_log_bytes(), 0u);
}

KTEST_EXPECT_PANIC_WITH(panic_releases_the_held_log, "panic while the log is held") {
  kernel::hold_log();
  kernel::console_print("this line precedes the report\n");
  ::panic("panic while the log is held");
}

KTEST(after_a_panic_nothing_is_held) { KEXPECT_EQ(kernel::held_log_bytes(), 0u); }

}  // namespace

}  // namespace kernel
