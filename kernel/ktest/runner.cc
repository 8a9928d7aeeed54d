// The ktest runner: selects tests, runs each with fault/panic recovery, prints KTAP v1.
#include <cstdint>
#include <string_view>

#include "arch/x86_64/exceptions.h"
#include "arch/x86_64/jump.h"
#include "kernel/console.h"
#include "kernel/ktest/glob.h"
#include "kernel/ktest/ktest.h"
#include "kernel/recovery.h"

extern "C" const ktest::TestCase __ktests_start[];
extern "C" const ktest::TestCase __ktests_end[];

namespace ktest {
namespace {

// What the running test is allowed to do, and where to resume if it faults or panics.
struct Recovery {
  const TestCase* test = nullptr;
  arch::JumpBuffer resume{};
  bool faulted = false;
  bool panicked = false;
  std::uint64_t fault_vector = 0;
  std::uint64_t fault_rip = 0;
};
constinit Recovery g_recovery;

constexpr int kResumedFromFault = 1;
constexpr int kResumedFromPanic = 2;

bool on_exception(arch::TrapFrame& frame) {
  if (g_recovery.test == nullptr) return false;
  g_recovery.faulted = true;
  g_recovery.fault_vector = frame.vector;
  g_recovery.fault_rip = frame.rip;
  const bool expected = g_recovery.test->expect == Expect::Fault &&
                        frame.vector == g_recovery.test->fault_vector;
  if (!expected) {
    // An unexpected fault fails the test; print the whole report so it can be debugged.
    arch::print_exception_report(console::sink(), frame);
  }
  arch::redirect_trap_to_jump(frame, g_recovery.resume, kResumedFromFault);
  return true;
}

// The panic path calls this (through kernel::g_panic_recovery) after printing its report.
void resume_after_panic() {
  g_recovery.panicked = true;
  keel_longjmp(&g_recovery.resume, kResumedFromPanic);
}
constexpr kernel::PanicRecovery kPanicRecovery{"ktest", &resume_after_panic};

class DiagnosticSink final : public fmt::Sink {
 public:
  void write(std::string_view text) override { console::sink().write(text); }
};
constinit DiagnosticSink g_diagnostics;

std::string_view suite_of(const TestCase& test) { return test.suite; }

bool selected(const TestCase& test, std::string_view filter) {
  if (filter.empty()) return true;
  // Match "suite.name" without building a string: try the pattern against both parts.
  char full[160];
  fmt::BufferSink buffer(full, sizeof(full));
  fmt::print(buffer, "{}.{}", test.suite, test.name);
  return glob_match(filter, buffer.view());
}

enum class Outcome { Pass, Fail, Skip };

Outcome run_one(const TestCase& test, Context& context) {
  g_recovery = Recovery{};
  g_recovery.test = &test;
  const kernel::PanicRecovery* const previous_recovery = kernel::g_panic_recovery;
  kernel::g_panic_recovery = &kPanicRecovery;  // any panic inside a test is recovered and judged
  const int resumed = keel_setjmp(&g_recovery.resume);
  if (resumed == 0) {
    test.body(context);
  }
  kernel::g_panic_recovery = previous_recovery;
  g_recovery.test = nullptr;

  switch (test.expect) {
    case Expect::Pass:
      if (resumed == kResumedFromFault) {
        context.print_diagnostic("unexpected CPU exception {} ({}) at rip {:#x}",
                                 g_recovery.fault_vector,
                                 arch::exception_name(g_recovery.fault_vector), g_recovery.fault_rip);
        return Outcome::Fail;
      }
      if (resumed == kResumedFromPanic) {
        context.print_diagnostic("unexpected panic (report above)");
        return Outcome::Fail;
      }
      break;
    case Expect::Fault:
      if (resumed != kResumedFromFault) {
        context.print_diagnostic("expected CPU exception {} ({}) did not happen", test.fault_vector,
                                 arch::exception_name(test.fault_vector));
        return Outcome::Fail;
      }
      if (g_recovery.fault_vector != test.fault_vector) {
        context.print_diagnostic("expected exception {} but got {} ({})", test.fault_vector,
                                 g_recovery.fault_vector,
                                 arch::exception_name(g_recovery.fault_vector));
        return Outcome::Fail;
      }
      context.print_diagnostic("got the expected {} at rip {:#x}",
                               arch::exception_name(g_recovery.fault_vector), g_recovery.fault_rip);
      break;
    case Expect::Panic:
      if (resumed != kResumedFromPanic) {
        context.print_diagnostic("expected a panic, but the test returned normally");
        return Outcome::Fail;
      }
      break;
  }
  if (context.failed()) return Outcome::Fail;
  if (context.skip_reason() != nullptr) return Outcome::Skip;
  return Outcome::Pass;
}

}  // namespace

fmt::Sink& diagnostic_sink() { return g_diagnostics; }

void Context::fail(std::source_location where, const char* check) {
  ++failures_;
  print_diagnostic("{}:{}: {} failed", where.file_name(), where.line(), check);
}

RunSummary run_all(std::string_view filter) {
  const std::span<const TestCase> tests(__ktests_start, __ktests_end);
  auto previous_hook = arch::g_exception_hook;
  arch::g_exception_hook = &on_exception;

  // Tests are grouped by suite: the linker sorts the .ktests.<suite> sections by name.
  unsigned suites = 0;
  for (std::size_t i = 0; i < tests.size();) {
    std::size_t end = i;
    bool any = false;
    while (end < tests.size() && suite_of(tests[end]) == suite_of(tests[i])) {
      any = any || selected(tests[end], filter);
      ++end;
    }
    if (any) ++suites;
    i = end;
  }

  console::print("KTAP version 1\n1..{}\n", suites);
  RunSummary total;
  unsigned suite_number = 0;
  for (std::size_t i = 0; i < tests.size();) {
    std::size_t end = i;
    unsigned count = 0;
    while (end < tests.size() && suite_of(tests[end]) == suite_of(tests[i])) {
      if (selected(tests[end], filter)) ++count;
      ++end;
    }
    if (count == 0) {
      i = end;
      continue;
    }
    console::print("    KTAP version 1\n    # Subtest: {}\n    1..{}\n", tests[i].suite, count);
    RunSummary suite;
    unsigned number = 0;
    for (std::size_t t = i; t < end; ++t) {
      if (!selected(tests[t], filter)) continue;
      Context context;
      const Outcome outcome = run_one(tests[t], context);
      ++number;
      switch (outcome) {
        case Outcome::Pass:
          ++suite.passed;
          console::print("    ok {} {}\n", number, tests[t].name);
          break;
        case Outcome::Fail:
          ++suite.failed;
          console::print("    not ok {} {}\n", number, tests[t].name);
          break;
        case Outcome::Skip:
          ++suite.skipped;
          console::print("    ok {} {} # SKIP {}\n", number, tests[t].name, context.skip_reason());
          break;
      }
    }
    console::print("    # {}: pass:{} fail:{} skip:{} total:{}\n", tests[i].suite, suite.passed,
                   suite.failed, suite.skipped, count);
    ++suite_number;
    const bool suite_ok = suite.failed == 0;
    console::print("{} {} {}\n", suite_ok ? "ok" : "not ok", suite_number, tests[i].suite);
    total.passed += suite.passed;
    total.failed += suite.failed;
    total.skipped += suite.skipped;
    i = end;
  }
  console::print("# Totals: pass:{} fail:{} skip:{}\n", total.passed, total.failed, total.skipped);
  arch::g_exception_hook = previous_hook;
  return total;
}

}  // namespace ktest
