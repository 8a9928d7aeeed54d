// Tests of the ktest machinery itself: expectations that must fail do fail, and the
// fault/panic recovery paths work. The exception-report test proves a CPU exception prints
// a decoded, symbolized report. The isolation checks (ktest.h) are proved by running
// scratch test cases, which leak, hold a lock, or panic/fault the wrong way on purpose,
// through kernel::ktest::run_case and checking its verdict.
#define KTEST_SUITE "kernel.ktest"
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>

#include "arch/x86_64/exception_info.h"
#include "kernel/console.h"
#include "kernel/ktest/glob.h"
#include "kernel/ktest/ktest.h"
#include "kernel/panic/panic.h"
#include "mm/allocator/frame_allocator.h"
#include "mm/allocator/global.h"
#include "mm/allocator/stats.h"
#include "mm/frame/frame.h"
#include "mm/kspace/kernel_space.h"
#include "mm/layout.h"
#include "lib/contract/contract.h"

namespace kernel::ktest {
namespace {

KTEST(expectations_record_failures) {
  // A scratch context: its failures must not fail this test.
  ::kernel::ktest::Context scratch;
  {
    auto& ktest_ctx = scratch;
    KEXPECT_EQ(1 + 1, 3);
  }
  KEXPECT_TRUE(scratch.failed());
  ::kernel::ktest::Context clean;
  {
    auto& ktest_ctx = clean;
    KEXPECT_EQ(2 + 2, 4);
    KEXPECT_LT(1, 2);
  }
  KEXPECT_FALSE(clean.failed());
}

KTEST(glob_filters) {
  KEXPECT_TRUE(::kernel::ktest::glob_match("kernel.*", "kernel.ktest.glob_filters"));
  KEXPECT_FALSE(::kernel::ktest::glob_match("mm.*", "kernel.ktest.glob_filters"));
}

KTEST_EXPECT_PANIC_WITH(panic_is_recovered_when_expected, "deliberate panic from a ktest") {
  ::panic("deliberate panic from a ktest (expected)");
}

KTEST_EXPECT_PANIC_WITH(contract_violation_panics, "contract violation (precondition): value == 2") {
  int value = 1;
  KREQUIRES(value == 2);
}

}  // namespace

namespace {

// ---- isolation: scratch cases run through run_case, which must fail them by name ---------

constexpr mm::Vaddr UNMAPPED = mm::layout::KTEST_VA_BASE + (63ull << 30);  // nothing mapped

kernel::ktest::TestCase scratch_case(const char* name, void (*body)(kernel::ktest::Context&),
                             kernel::ktest::Expect expect = kernel::ktest::Expect::Pass,
                             std::uint8_t vector = 0, const char* panic_text = nullptr) {
  return {"kernel.ktest.scratch", name, body, expect, vector, panic_text, __FILE__, __LINE__};
}

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

// A frame the scratch test leaks on purpose; the selftest frees it afterwards.
constinit mm::Paddr g_leaked = 0;

void leak_one_frame(kernel::ktest::Context&) {
  auto frame = mm::allocator::alloc_frame(mm::frame::UntypedMeta{});
  KASSERT(frame.has_value());
  g_leaked = std::move(*frame).into_shared().into_raw();
}

void free_leaked() {
  if (g_leaked != 0)
    mm::frame::UFrame dropped = mm::frame::UFrame::from_raw(std::exchange(g_leaked, 0));
}

}  // namespace

KTEST(leaked_frame_fails_the_test_by_count) {
  ::kernel::ktest::Context scratch;
  const auto outcome = ::kernel::ktest::run_case(scratch_case("leaks_one_frame", &leak_one_frame), scratch);
  free_leaked();
  KEXPECT_TRUE(outcome == ::kernel::ktest::Outcome::Fail);
  KEXPECT_TRUE(contains(scratch.runner_note(), "leaked 1 frame(s)"));
}

KTEST(kept_frames_are_allowed_when_declared) {
  ::kernel::ktest::Context scratch;
  const auto outcome = ::kernel::ktest::run_case(
      scratch_case("keeps_one_frame",
                   [](::kernel::ktest::Context& ctx) {
                     ctx.keeps_frames("selftest: the frame is freed by the outer test");
                     leak_one_frame(ctx);
                   }),
      scratch);
  free_leaked();
  KEXPECT_TRUE(outcome == ::kernel::ktest::Outcome::Pass);
}

KTEST(leak_after_a_recovered_panic_is_caught) {
  ::kernel::ktest::Context scratch;
  const auto outcome = ::kernel::ktest::run_case(
      scratch_case("leaks_then_panics",
                   [](::kernel::ktest::Context& ctx) {
                     leak_one_frame(ctx);
                     ::panic("selftest: expected panic after a leak");
                   },
                   ::kernel::ktest::Expect::Panic),
      scratch);
  free_leaked();
  KEXPECT_TRUE(outcome == ::kernel::ktest::Outcome::Fail);
  KEXPECT_TRUE(contains(scratch.runner_note(), "leaked 1 frame(s)"));
}

// The frame a panicking test holds is released by its recovery hook: no leak.
KTEST(recovery_hook_releases_what_the_jump_skips) {
  ::kernel::ktest::Context scratch;
  const auto outcome = ::kernel::ktest::run_case(
      scratch_case(
          "hook_frees_frame",
          [](::kernel::ktest::Context&) {
            mm::frame::UFrame frame =
                mm::allocator::alloc_frame(mm::frame::UntypedMeta{}).value().into_shared();
            ::kernel::ktest::OnRecovery release(
                [&] { mm::frame::UFrame dropped = std::move(frame); });
            ::panic("selftest: expected panic holding a frame");
          },
          ::kernel::ktest::Expect::Panic),
      scratch);
  KEXPECT_TRUE(outcome == ::kernel::ktest::Outcome::Pass);
  KEXPECT_FALSE(scratch.failed());
}

KTEST(held_buddy_lock_fails_the_test) {
  ::kernel::ktest::Context scratch;
  // A panic inside the allocator with its lock held, as a broken allocator path would:
  // inspect() runs the callback under the buddy lock.
  const auto outcome = ::kernel::ktest::run_case(
      scratch_case(
          "panics_holding_buddy_lock",
          [](::kernel::ktest::Context&) {
            mm::allocator::detail::global_buddy().inspect([](const mm::allocator::BuddyState&) {
              ::panic("selftest: panic with the buddy lock held");
            });
          },
          ::kernel::ktest::Expect::Panic),
      scratch);
  KEXPECT_TRUE(outcome == ::kernel::ktest::Outcome::Fail);
  KEXPECT_TRUE(contains(scratch.runner_note(), "buddy allocator's lock held"));
  KEXPECT_FALSE(mm::allocator::buddy_lock_held());
}

KTEST(held_page_table_node_lock_fails_the_test) {
  if (!mm::kspace::kernel_space_ready()) {
    ktest_ctx.skip("no kernel address space");
    return;
  }
  ::kernel::ktest::Context scratch;
  const auto outcome = ::kernel::ktest::run_case(
      scratch_case("panics_holding_a_cursor",
                   [](::kernel::ktest::Context&) {
                     mm::kspace::with_kernel_page_table([](auto& table) {
                       auto cursor = table.cursor_mut(mm::layout::KTEST_VA_BASE, mm::PAGE_SIZE);
                       KASSERT(cursor.has_value());
                       ::panic("selftest: panic with a cursor (node locks) held");
                     });
                   },
                   ::kernel::ktest::Expect::Panic),
      scratch);
  KEXPECT_TRUE(outcome == ::kernel::ktest::Outcome::Fail);
  KEXPECT_TRUE(contains(scratch.runner_note(), "page-table node lock(s) held"));
}

KTEST(panic_with_other_message_fails) {
  ::kernel::ktest::Context scratch;
  const auto outcome = ::kernel::ktest::run_case(
      scratch_case("wrong_panic", [](::kernel::ktest::Context&) { ::panic("selftest: the wrong words"); },
                   ::kernel::ktest::Expect::Panic, 0, "the right words"),
      scratch);
  KEXPECT_TRUE(outcome == ::kernel::ktest::Outcome::Fail);
  KEXPECT_TRUE(contains(scratch.runner_note(), "the wrong words"));
  ::kernel::ktest::Context right;
  const auto ok = ::kernel::ktest::run_case(
      scratch_case("right_panic", [](::kernel::ktest::Context&) { ::panic("selftest: the right words, {}", 42); },
                   ::kernel::ktest::Expect::Panic, 0, "right words, 42"),
      right);
  KEXPECT_TRUE(ok == ::kernel::ktest::Outcome::Pass);
}

KTEST(fault_at_other_address_fails) {
  ::kernel::ktest::Context scratch;
  const auto outcome = ::kernel::ktest::run_case(
      scratch_case("wrong_fault_address",
                   [](::kernel::ktest::Context& ctx) {
                     ctx.expect_fault_address(UNMAPPED + mm::PAGE_SIZE);
                     (void)*reinterpret_cast<volatile std::uint64_t*>(UNMAPPED);
                   },
                   ::kernel::ktest::Expect::Fault, arch::VECTOR_PAGE_FAULT),
      scratch);
  KEXPECT_TRUE(outcome == ::kernel::ktest::Outcome::Fail);
  KEXPECT_TRUE(contains(scratch.runner_note(), "at address"));
  ::kernel::ktest::Context right;
  const auto ok = ::kernel::ktest::run_case(
      scratch_case("right_fault_address",
                   [](::kernel::ktest::Context& ctx) {
                     ctx.expect_fault_address(UNMAPPED + 8);
                     (void)*reinterpret_cast<volatile std::uint64_t*>(UNMAPPED + 8);
                   },
                   ::kernel::ktest::Expect::Fault, arch::VECTOR_PAGE_FAULT),
      right);
  KEXPECT_TRUE(ok == ::kernel::ktest::Outcome::Pass);
}

KTEST_EXPECT_PANIC_WITH(panic_message_is_checked, "deliberate panic with a message") {
  ::panic("deliberate panic with a message (expected), code {}", 7);
}

}  // namespace kernel::ktest
