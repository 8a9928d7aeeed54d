// In-kernel tests of guarded_call: each way a body can end (return, fault, panic), what
// the outcome reports, how nested guards hand traps outwards and give the chain back, and
// that the interrupt flag is as it was before the call.
#define KTEST_SUITE "arch.x86_64.guarded_call"
#include <cstdint>
#include <string_view>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/exceptions.h"
#include "arch/x86_64/guarded_call.h"
#include "kernel/console.h"
#include "kernel/ktest/ktest.h"
#include "kernel/panic/panic.h"
#include "mm/layout.h"
#include "lib/fmt/format.h"

// A ud2 at a known address: the #UD's RIP must be exactly this symbol.
namespace arch {

extern "C" void guarded_call_ktest_ud2();
asm(R"(
  .pushsection .text.guarded_call_ktest_ud2, "ax", @progbits
  .globl guarded_call_ktest_ud2
  .type guarded_call_ktest_ud2, @function
guarded_call_ktest_ud2:
  ud2
  ret
  .size guarded_call_ktest_ud2, . - guarded_call_ktest_ud2
  .popsection
)");

namespace {

using arch::GuardedOutcome;
using arch::GuardOptions;

// The guard gap after the linear map is never mapped.
constexpr std::uint64_t UNMAPPED = mm::layout::LINEAR_MAP_END;
constexpr std::uint64_t RFLAGS_IF = 1u << 9;

std::uint64_t ud2_address() { return reinterpret_cast<std::uint64_t>(&guarded_call_ktest_ud2); }

bool contains(std::string_view haystack, std::string_view needle) {
  return haystack.find(needle) != std::string_view::npos;
}

bool interrupts_enabled() { return (arch::read_rflags() & RFLAGS_IF) != 0; }

constexpr GuardOptions CATCH_ALL{.name = "guarded_call ktest"};
constexpr GuardOptions PANICS_ONLY{.name = "guarded_call ktest (panics only)", .exceptions = 0};
constexpr GuardOptions PAGE_FAULTS_ONLY{
    .name = "guarded_call ktest (#PF only)",
    .exceptions = arch::exception_bit(arch::VECTOR_PAGE_FAULT),
    .panics = false,
};

KTEST(returned_body_ran_once) {
  int runs = 0;
  const GuardedOutcome ended = arch::guarded_call(CATCH_ALL, [&] { ++runs; });
  KEXPECT_TRUE(ended.returned());
  KEXPECT_FALSE(ended.faulted());
  KEXPECT_FALSE(ended.panicked());
  KEXPECT_EQ(runs, 1);
}

KTEST(fault_reports_vector_rip_and_error_code) {
  const GuardedOutcome ud = arch::guarded_call(CATCH_ALL, [] { guarded_call_ktest_ud2(); });
  KTEST_ASSERT_TRUE(ud.faulted());
  KEXPECT_EQ(ud.fault.vector, arch::VECTOR_INVALID_OPCODE);
  KEXPECT_EQ(ud.fault.rip, ud2_address());
  KEXPECT_EQ(ud.fault.error_code, 0u);

  const GuardedOutcome pf = arch::guarded_call(
      CATCH_ALL, [] { (void)*reinterpret_cast<volatile std::uint64_t*>(UNMAPPED + 8); });
  KTEST_ASSERT_TRUE(pf.faulted());
  KEXPECT_EQ(pf.fault.vector, arch::VECTOR_PAGE_FAULT);
  KEXPECT_EQ(pf.fault.cr2, UNMAPPED + 8);
  KEXPECT_EQ(pf.fault.error_code & 0x3, 0u);  // not present, a read
}

// on_catch sees the trap's own frame (for a fault) or nullptr (for a panic), before the jump.
struct Seen {
  int calls = 0;
  bool had_frame = false;
  std::uint64_t rip = 0;
};
void record_catch(void* arg, const arch::TrapFrame* frame) {
  Seen& seen = *static_cast<Seen*>(arg);
  ++seen.calls;
  seen.had_frame = frame != nullptr;
  if (frame != nullptr) seen.rip = frame->rip;
}

KTEST(on_catch_gets_the_frame_of_a_fault_and_none_for_a_panic) {
  Seen seen;
  const GuardOptions options{.name = "guarded_call ktest", .on_catch = &record_catch, .arg = &seen};
  KEXPECT_TRUE(arch::guarded_call(options, [] { guarded_call_ktest_ud2(); }).faulted());
  KEXPECT_EQ(seen.calls, 1);
  KEXPECT_TRUE(seen.had_frame);
  KEXPECT_EQ(seen.rip, ud2_address());

  keel::fmt::FixedString<2048> report;
  seen = Seen{};
  GuardedOutcome ended;
  {
    kernel::ScopedConsoleCapture capture(report);
    ended = arch::guarded_call(options, [] { panic("guarded_call ktest: on_catch panic"); });
  }
  KEXPECT_TRUE(ended.panicked());
  KEXPECT_EQ(seen.calls, 1);
  KEXPECT_FALSE(seen.had_frame);

  KEXPECT_TRUE(arch::guarded_call(options, [] {}).returned());
  KEXPECT_EQ(seen.calls, 1);  // not called for a return
}

KTEST(panic_is_reported_and_names_the_guard) {
  keel::fmt::FixedString<2048> report;
  GuardedOutcome ended;
  {
    kernel::ScopedConsoleCapture capture(report);
    ended = arch::guarded_call(CATCH_ALL, [] { panic("guarded_call ktest: panic number {}", 7); });
  }
  KTEST_ASSERT_TRUE(ended.panicked());
  KEXPECT_TRUE(contains(report.view(), "KERNEL PANIC"));
  KEXPECT_TRUE(contains(report.view(), "guarded_call ktest: panic number 7"));
  KEXPECT_TRUE(contains(report.view(), "Backtrace:"));
  KEXPECT_TRUE(contains(report.view(), "(panic caught by the guarded_call ktest guard)"));
  // The panic state was left: another panic is caught the same way, not taken as nested.
  keel::fmt::FixedString<2048> second;
  {
    kernel::ScopedConsoleCapture capture(second);
    ended = arch::guarded_call(CATCH_ALL, [] { panic("guarded_call ktest: second panic"); });
  }
  KEXPECT_TRUE(ended.panicked());
  KEXPECT_TRUE(contains(second.view(), "guarded_call ktest: second panic"));
  KEXPECT_FALSE(contains(second.view(), "nested"));
}

KTEST(a_trap_the_inner_guard_does_not_claim_goes_to_the_outer) {
  int inner_runs = 0;
  const GuardedOutcome outer = arch::guarded_call(CATCH_ALL, [&] {
    (void)arch::guarded_call(PAGE_FAULTS_ONLY, [&] {
      ++inner_runs;
      guarded_call_ktest_ud2();  // #UD: not the inner guard's
    });
    inner_runs += 100;  // never: the outer guard resumed past this
  });
  KEXPECT_EQ(inner_runs, 1);
  KTEST_ASSERT_TRUE(outer.faulted());
  KEXPECT_EQ(outer.fault.vector, arch::VECTOR_INVALID_OPCODE);
  KEXPECT_EQ(outer.fault.rip, ud2_address());

  // A panic passes a guard that does not claim panics, too.
  keel::fmt::FixedString<2048> report;
  GuardedOutcome panicked;
  {
    kernel::ScopedConsoleCapture capture(report);
    panicked = arch::guarded_call(PANICS_ONLY, [] {
      (void)arch::guarded_call(PAGE_FAULTS_ONLY, [] { panic("guarded_call ktest: past the inner"); });
    });
  }
  KEXPECT_TRUE(panicked.panicked());
  KEXPECT_TRUE(contains(report.view(), "caught by the guarded_call ktest (panics only) guard"));
}

KTEST(an_inner_guard_that_ended_gives_the_outer_back) {
  // The inner guard returned, then caught a fault: either way the outer one claims the
  // next trap.
  const GuardedOutcome outer = arch::guarded_call(CATCH_ALL, [] {
    (void)arch::guarded_call(CATCH_ALL, [] {});
    (void)arch::guarded_call(CATCH_ALL, [] { guarded_call_ktest_ud2(); });
    (void)*reinterpret_cast<volatile std::uint64_t*>(UNMAPPED);
  });
  KTEST_ASSERT_TRUE(outer.faulted());
  KEXPECT_EQ(outer.fault.vector, arch::VECTOR_PAGE_FAULT);
  KEXPECT_EQ(outer.fault.cr2, UNMAPPED);
}

// After guards that returned, caught a fault, and were abandoned by an outer guard's jump,
// the runner's guard is the innermost again: the #UD here must reach the runner (a
// dangling guard would take it and jump into a dead frame).
KTEST_EXPECT_FAULT(after_nested_guards_the_runner_gets_the_fault, arch::VECTOR_INVALID_OPCODE) {
  ktest_ctx.expect_fault_address(ud2_address());
  (void)arch::guarded_call(CATCH_ALL, [] {});
  (void)arch::guarded_call(CATCH_ALL, [] { guarded_call_ktest_ud2(); });
  (void)arch::guarded_call(CATCH_ALL, [] {
    (void)arch::guarded_call(PAGE_FAULTS_ONLY, [] { guarded_call_ktest_ud2(); });
  });
  (void)arch::guarded_call(PANICS_ONLY, [] { guarded_call_ktest_ud2(); });  // to the runner
}

KTEST(interrupt_flag_is_as_before_the_call) {
  const bool enabled = interrupts_enabled();
  // A body that flips the flag and then faults or panics comes back with it as it was.
  arch::sti();
  KEXPECT_TRUE(arch::guarded_call(CATCH_ALL, [] {
                 arch::cli();
                 guarded_call_ktest_ud2();
               }).faulted());
  KEXPECT_TRUE(interrupts_enabled());

  keel::fmt::FixedString<2048> report;
  {
    kernel::ScopedConsoleCapture capture(report);
    // The panic path disables interrupts itself.
    KEXPECT_TRUE(arch::guarded_call(CATCH_ALL, [] { panic("guarded_call ktest: irq"); }).panicked());
  }
  KEXPECT_TRUE(interrupts_enabled());

  arch::cli();
  const GuardedOutcome off = arch::guarded_call(CATCH_ALL, [] {
    arch::sti();
    guarded_call_ktest_ud2();
  });
  const bool stayed_off = !interrupts_enabled();
  if (enabled) arch::sti();
  KEXPECT_TRUE(off.faulted());
  KEXPECT_TRUE(stayed_off);
}

}  // namespace

}  // namespace arch
