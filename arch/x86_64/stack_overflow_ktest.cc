// In-kernel tests: a kernel stack overflow runs into the unmapped guard page below the
// boot stack. The #PF cannot be delivered (there is no stack left to push its frame on),
// so the CPU raises #DF, which runs on IST1 and gives a readable report instead of a
// triple fault. Also: the IST stacks' own guard pages are unmapped.
#define KTEST_SUITE "arch.x86_64.stack"
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/exceptions.h"
#include "arch/x86_64/fault_probe.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/guarded_call.h"
#include "kernel/ktest/ktest.h"
#include "lib/fmt/format.h"

// boot/entry.S: [guard (unmapped), bottom .. top) is the boot stack the tests run on.
namespace arch {

extern "C" const std::byte boot_stack_guard[];
extern "C" const std::byte boot_stack_bottom[];
extern "C" const std::byte boot_stack_top[];

namespace {

// Less than a page per frame, and the frame's top and bottom are both written: every
// page on the way down is touched, so the recursion cannot step over the guard page.
constexpr std::size_t FRAME_BYTES = 1024;
constexpr std::uint64_t NEVER_REACHED = ~std::uint64_t{0};

[[gnu::noinline]] std::uint64_t overflow_the_stack(std::uint64_t depth) {
  volatile std::uint8_t frame[FRAME_BYTES];
  frame[FRAME_BYTES - 1] = static_cast<std::uint8_t>(depth);
  frame[0] = static_cast<std::uint8_t>(depth);
  if (depth == NEVER_REACHED) return 0;
  return overflow_the_stack(depth + 1) + frame[0];  // not a tail call: the frame stays
}

std::uint64_t address_of(const void* p) { return reinterpret_cast<std::uint64_t>(p); }

bool in_range(std::uint64_t a, std::uint64_t lo, std::uint64_t hi) { return a >= lo && a < hi; }

bool running_on_boot_stack() {
  return in_range(address_of(__builtin_frame_address(0)), address_of(boot_stack_bottom),
                  address_of(boot_stack_top));
}

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

// The runner only says whether the expected vector arrived; to look at the report and at
// where the handler ran, this test guards the overflow itself, claiming only the #DF.
// Anything else goes on to the runner's guard (a test failure).
struct OverflowCatch {
  keel::fmt::Sink* report;
  std::uint64_t fault_rsp, handler_frame;
};

// Runs in the #DF handler, on its stack.
void on_double_fault(void* arg, const arch::TrapFrame* frame) {
  OverflowCatch& c = *static_cast<OverflowCatch*>(arg);
  c.fault_rsp = frame->rsp;
  c.handler_frame = address_of(__builtin_frame_address(0));
  arch::print_exception_report(*c.report, *frame);
}

// Overflows the stack under a guard that claims only a #DF.
[[gnu::noinline]] arch::GuardedOutcome catch_overflow(OverflowCatch& c) {
  const arch::GuardOptions options{
      .name = "stack overflow ktest",
      .exceptions = arch::exception_bit(arch::VECTOR_DOUBLE_FAULT),
      .panics = false,
      .on_catch = &on_double_fault,
      .arg = &c,
  };
  return arch::guarded_call(options, [] { overflow_the_stack(0); });
}

KTEST_EXPECT_FAULT(boot_stack_overflow_is_double_fault, arch::VECTOR_DOUBLE_FAULT) {
  KTEST_ASSERT_TRUE(running_on_boot_stack());
  overflow_the_stack(0);
}

KTEST(stack_overflow_report_runs_on_ist1_and_names_the_overflow) {
  KTEST_ASSERT_TRUE(running_on_boot_stack());
  const arch::StackRange ist1 = arch::ist_stack(arch::IST_DOUBLE_FAULT);
  // Twice: the second #DF reuses the same IST1 stack and must work just as well.
  for (int round = 1; round <= 2; ++round) {
    keel::fmt::FixedString<4096> report;
    OverflowCatch c{.report = &report, .fault_rsp = 0, .handler_frame = 0};
    const arch::GuardedOutcome ended = catch_overflow(c);
    KTEST_ASSERT_TRUE(ended.faulted());
    KEXPECT_EQ(ended.fault.vector, arch::VECTOR_DOUBLE_FAULT);
    KEXPECT_TRUE(in_range(ended.fault.cr2, address_of(boot_stack_guard), address_of(boot_stack_bottom)));
    KEXPECT_TRUE(in_range(c.fault_rsp, address_of(boot_stack_guard), address_of(boot_stack_bottom) + 64));
    KEXPECT_TRUE(in_range(c.handler_frame, ist1.lo, ist1.hi));
    const std::string_view text = report.view();
    KEXPECT_TRUE(contains(text, "#DF Double Fault (vector 8) in kernel mode"));
    KEXPECT_TRUE(contains(text, "kernel stack overflow?"));
    KEXPECT_TRUE(contains(text, "Backtrace:"));
    if (round == 1) {
      ktest_ctx.print_diagnostic("#DF handled on IST1 (frame {:#x}), CR2 {:#x} in the guard page {:#x}",
                                 c.handler_frame, ended.fault.cr2, address_of(boot_stack_guard));
    }
  }
}

KTEST(boot_and_ist_stack_guard_pages_are_unmapped) {
  std::uint64_t value = 0;
  KEXPECT_FALSE(arch::try_read_u64(address_of(boot_stack_guard), value));
  for (std::uint8_t slot = 1; slot <= 3; ++slot) {
    const arch::StackRange guard = arch::ist_guard_page(slot);
    const arch::StackRange stack = arch::ist_stack(slot);
    KEXPECT_EQ(guard.hi, stack.lo);
    KEXPECT_EQ(guard.hi - guard.lo, arch::IST_GUARD_SIZE);
    KEXPECT_FALSE(arch::try_read_u64(guard.lo, value));
    KEXPECT_FALSE(arch::try_read_u64(guard.hi - 8, value));
    KEXPECT_TRUE(arch::try_read_u64(stack.lo, value));
    KEXPECT_TRUE(arch::try_read_u64(stack.hi - 8, value));
  }
}

KTEST_EXPECT_FAULT(double_fault_stack_guard_read_is_page_fault, arch::VECTOR_PAGE_FAULT) {
  ktest_ctx.expect_fault_address(arch::ist_guard_page(arch::IST_DOUBLE_FAULT).lo);
  (void)*reinterpret_cast<volatile std::uint64_t*>(arch::ist_guard_page(arch::IST_DOUBLE_FAULT).lo);
}

}  // namespace

}  // namespace arch
