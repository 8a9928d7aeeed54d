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
#include "arch/x86_64/jump.h"
#include "kernel/ktest/ktest.h"
#include "lib/fmt/format.h"

// boot/entry.S: [guard (unmapped), bottom .. top) is the boot stack the tests run on.
extern "C" const std::byte boot_stack_guard[];
extern "C" const std::byte boot_stack_bottom[];
extern "C" const std::byte boot_stack_top[];

namespace {

// Less than a page per frame, and the frame's top and bottom are both written: every
// page on the way down is touched, so the recursion cannot step over the guard page.
constexpr std::size_t kFrameBytes = 1024;
constexpr std::uint64_t kNeverReached = ~std::uint64_t{0};

[[gnu::noinline]] std::uint64_t overflow_the_stack(std::uint64_t depth) {
  volatile std::uint8_t frame[kFrameBytes];
  frame[kFrameBytes - 1] = static_cast<std::uint8_t>(depth);
  frame[0] = static_cast<std::uint8_t>(depth);
  if (depth == kNeverReached) return 0;
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
// where the handler ran, this one-shot hook catches the #DF itself and resumes in
// catch_overflow(). Anything else goes straight to the runner's hook (a test failure).
struct OverflowCatch {
  arch::JumpBuffer resume;
  arch::ExceptionHook runner_hook;
  keel::fmt::Sink* report;
  bool armed;
  std::uint64_t vector, fault_rsp, cr2, handler_frame;
};
constinit OverflowCatch g_catch{};

bool catch_double_fault(arch::TrapFrame& frame) {
  arch::g_exception_hook = g_catch.runner_hook;
  if (!g_catch.armed || frame.vector != arch::VECTOR_DOUBLE_FAULT) {
    return g_catch.runner_hook != nullptr && g_catch.runner_hook(frame);
  }
  g_catch.armed = false;
  g_catch.vector = frame.vector;
  g_catch.fault_rsp = frame.rsp;
  g_catch.cr2 = arch::read_cr2();
  g_catch.handler_frame = address_of(__builtin_frame_address(0));
  arch::print_exception_report(*g_catch.report, frame);
  arch::redirect_trap_to_jump(frame, g_catch.resume, 1);
  return true;
}

// Overflows the stack with catch_double_fault() armed; returns whether it was caught.
[[gnu::noinline]] bool catch_overflow(keel::fmt::Sink& report) {
  g_catch = OverflowCatch{};
  g_catch.runner_hook = arch::g_exception_hook;
  g_catch.report = &report;
  g_catch.armed = true;
  arch::g_exception_hook = &catch_double_fault;
  if (keel_setjmp(&g_catch.resume) == 0) {
    overflow_the_stack(0);
    arch::g_exception_hook = g_catch.runner_hook;
    return false;
  }
  return true;
}

KTEST_EXPECT_FAULT(boot_stack_overflow_is_double_fault, arch::VECTOR_DOUBLE_FAULT) {
  KASSERT_TRUE(running_on_boot_stack());
  overflow_the_stack(0);
}

KTEST(stack_overflow_report_runs_on_ist1_and_names_the_overflow) {
  KASSERT_TRUE(running_on_boot_stack());
  const arch::StackRange ist1 = arch::ist_stack(arch::IST_DOUBLE_FAULT);
  // Twice: the second #DF reuses the same IST1 stack and must work just as well.
  for (int round = 1; round <= 2; ++round) {
    keel::fmt::FixedString<4096> report;
    KASSERT_TRUE(catch_overflow(report));
    KEXPECT_EQ(g_catch.vector, arch::VECTOR_DOUBLE_FAULT);
    KEXPECT_TRUE(in_range(g_catch.cr2, address_of(boot_stack_guard), address_of(boot_stack_bottom)));
    KEXPECT_TRUE(in_range(g_catch.fault_rsp, address_of(boot_stack_guard), address_of(boot_stack_bottom) + 64));
    KEXPECT_TRUE(in_range(g_catch.handler_frame, ist1.lo, ist1.hi));
    const std::string_view text = report.view();
    KEXPECT_TRUE(contains(text, "#DF Double Fault (vector 8) in kernel mode"));
    KEXPECT_TRUE(contains(text, "kernel stack overflow?"));
    KEXPECT_TRUE(contains(text, "Backtrace:"));
    if (round == 1) {
      ktest_ctx.print_diagnostic("#DF handled on IST1 (frame {:#x}), CR2 {:#x} in the guard page {:#x}",
                                 g_catch.handler_frame, g_catch.cr2, address_of(boot_stack_guard));
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
