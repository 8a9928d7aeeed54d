// The ktest runner: selects tests, runs each with fault/panic recovery and the isolation
// checks (frames, locks: see ktest.h), prints KTAP v1.
#include <cstdint>
#include <optional>
#include <string_view>
#include <type_traits>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/exceptions.h"
#include "arch/x86_64/guarded_call.h"
#include "kernel/console.h"
#include "kernel/ktest/glob.h"
#include "kernel/ktest/ktest.h"
#include "mm/allocator/frame_allocator.h"
#include "mm/allocator/stats.h"
#include "mm/hal.h"
#include "mm/kspace/kernel_space.h"
#include "mm/page_table/node.h"
#include "lib/contract/contract.h"

extern "C" const kernel::ktest::TestCase __ktests_start[];
extern "C" const kernel::ktest::TestCase __ktests_end[];

namespace kernel::ktest {
namespace {

// The running test, for its guard's on_catch. One per run_case (a selftest running a
// scratch test nests them), in run_case's frame.
struct Recovery {
  const TestCase* test = nullptr;
  unsigned hook_base = 0;  // this test's recovery hooks are above it
  unsigned hooks_run = 0;
};

// Recovery hooks (kernel::ktest::OnRecovery), a stack shared by nested runs.
struct Hook {
  void (*fn)(void*);
  void* arg;
};
constexpr unsigned MAX_HOOKS = 32;
constinit Hook g_hooks[MAX_HOOKS] = {};
constinit unsigned g_nr_hooks = 0;

// Runs the current test's hooks, newest first, each popped before it runs (a hook that
// panics is not run again). Called before the longjmp: the test's frames still exist.
void run_recovery_hooks(Recovery& recovery) {
  while (g_nr_hooks > recovery.hook_base) {
    const Hook hook = g_hooks[--g_nr_hooks];
    ++recovery.hooks_run;
    hook.fn(hook.arg);
  }
}

// The test's guard caught a fault (`frame`) or a panic (nullptr; its report is printed).
void on_catch(void* arg, const arch::TrapFrame* frame) {
  Recovery& recovery = *static_cast<Recovery*>(arg);
  if (frame != nullptr && !(recovery.test->expect == Expect::Fault &&
                            frame->vector == recovery.test->fault_vector)) {
    // An unexpected fault fails the test; print the whole report so it can be debugged.
    arch::print_exception_report(kernel::console_sink(), *frame);
  }
  run_recovery_hooks(recovery);
}

// Where a fault "happened" for expect_fault_address: CR2 for a page fault, else RIP.
std::uint64_t fault_address(const arch::FaultInfo& fault) {
  return fault.vector == arch::VECTOR_PAGE_FAULT ? fault.cr2 : fault.rip;
}

// Keeps the panic message: what follows "\nKERNEL PANIC: " (the first panic only).
class PanicCapture final : public keel::fmt::Sink {
 public:
  void write(std::string_view text) override {
    constexpr std::string_view START = "\nKERNEL PANIC";
    if (!armed_ && !seen_ && text.starts_with(START)) {
      armed_ = seen_ = true;
      return;
    }
    if (!armed_) return;
    for (char c : text) {
      if (size_ == sizeof(buffer_)) return;
      buffer_[size_++] = c;
    }
  }
  std::string_view message() const { return {buffer_, size_}; }
  bool seen() const { return seen_; }

 private:
  char buffer_[512] = {};
  std::size_t size_ = 0;
  bool armed_ = false;
  bool seen_ = false;
};

// Page-table node locks held in the kernel table: counted, and released (the holder's
// frame is gone once the runner has regained control).
template <typename C>
unsigned release_held_node_locks(mm::Paddr node, mm::PagingLevel level, unsigned first, unsigned end,
                                 mm::Paddr& first_held) {
  using Pte = typename C::Pte;
  const mm::page_table::NodeRef<C> ref(node);
  unsigned held = 0;
  if (ref.lock().is_locked()) {
    if (first_held == 0) first_held = node;
    ref.release_abandoned();
    ++held;
  }
  if (level == 1) return held;
  for (unsigned i = first; i < end; ++i) {
    const auto e = ref.read(i);
    if (!Pte::is_present(e) || Pte::is_leaf(e, level)) continue;
    held += release_held_node_locks<C>(Pte::child_paddr(e), level - 1, 0, mm::page_table::NR_ENTRIES, first_held);
  }
  return held;
}

void check_locks(Context& context) {
  if (mm::allocator::buddy_lock_held()) {
    context.runner_fail("left the buddy allocator's lock held (released now)");
    mm::allocator::force_unlock_buddy_after_recovery();
  }
  if (!mm::kspace::kernel_space_ready()) return;
  mm::Paddr first_held = 0;
  const unsigned held = mm::kspace::with_kernel_page_table([&](auto& table) {
    using C = typename std::remove_cvref_t<decltype(table)>::Config;
    return release_held_node_locks<C>(table.root_paddr(), C::NR_LEVELS, C::TOP_INDEX_BEGIN,
                                      C::TOP_INDEX_END, first_held);
  });
  if (held != 0) {
    context.runner_fail("left {} kernel page-table node lock(s) held, the first in node {:#x} "
                        "(released now)", held, first_held);
  }
}

std::uint64_t free_frames_now() {
  mm::allocator::drain_every_cpu_cache();
  return mm::allocator::allocator_stats().total_free_frames;
}

class DiagnosticSink final : public keel::fmt::Sink {
 public:
  void write(std::string_view text) override { kernel::console_sink().write(text); }
};
constinit DiagnosticSink g_diagnostics;

std::string_view suite_of(const TestCase& test) { return test.suite; }

bool selected(const TestCase& test, std::string_view filter) {
  if (filter.empty()) return true;
  // Match "suite.name" as one string, formatted into a stack buffer (no heap).
  char full[160];
  keel::fmt::BufferSink buffer(full, sizeof(full));
  keel::fmt::print(buffer, "{}.{}", test.suite, test.name);
  return filter_selects(filter, buffer.view());
}

// The verdict on how the test ended (its expectation), before the isolation checks.
Outcome judge(const TestCase& test, Context& context, const arch::GuardedOutcome& ended,
              const PanicCapture& capture) {
  const arch::FaultInfo& fault = ended.fault;
  switch (test.expect) {
    case Expect::Pass:
      if (ended.faulted()) {
        context.print_diagnostic("unexpected CPU exception {} ({}) at rip {:#x}", fault.vector,
                                 arch::exception_name(fault.vector), fault.rip);
        return Outcome::Fail;
      }
      if (ended.panicked()) {
        context.print_diagnostic("unexpected panic (report above)");
        return Outcome::Fail;
      }
      break;
    case Expect::Fault:
      if (!ended.faulted()) {
        context.runner_fail("expected CPU exception {} ({}) did not happen", test.fault_vector,
                            arch::exception_name(test.fault_vector));
        return Outcome::Fail;
      }
      if (fault.vector != test.fault_vector) {
        context.runner_fail("expected exception {} but got {} ({})", test.fault_vector,
                            fault.vector, arch::exception_name(fault.vector));
        return Outcome::Fail;
      }
      if (context.has_expected_fault_address() &&
          fault_address(fault) != context.expected_fault_address()) {
        context.runner_fail("expected the {} at address {:#x} but it was at {:#x} (rip {:#x})",
                            arch::exception_name(fault.vector),
                            context.expected_fault_address(), fault_address(fault), fault.rip);
        return Outcome::Fail;
      }
      context.print_diagnostic("got the expected {} at rip {:#x} (address {:#x})",
                               arch::exception_name(fault.vector), fault.rip,
                               fault_address(fault));
      break;
    case Expect::Panic:
      if (!ended.panicked()) {
        context.runner_fail("expected a panic, but the test {}",
                            ended.faulted() ? "faulted" : "returned normally");
        return Outcome::Fail;
      }
      if (test.panic_text != nullptr && capture.message().find(test.panic_text) == std::string_view::npos) {
        context.runner_fail("expected a panic saying \"{}\" but it said \"{}\"", test.panic_text,
                            capture.message().substr(0, capture.message().find('\n')));
        return Outcome::Fail;
      }
      break;
  }
  return Outcome::Pass;
}

}  // namespace

Outcome run_case(const TestCase& test, Context& context) {
  const std::uint64_t free_before = free_frames_now();
  const std::uint64_t irq_state = mm::hal::irq_save();
  mm::hal::irq_restore(irq_state);

  PanicCapture capture;
  Recovery recovery{.test = &test, .hook_base = g_nr_hooks};
  // Any fault, unexpected interrupt or panic inside a test is caught and judged.
  const arch::GuardOptions guard{
      .name = "ktest runner",
      .exceptions = arch::EVERY_EXCEPTION,
      .unexpected_interrupts = true,
      .panics = true,
      .on_catch = &on_catch,
      .arg = &recovery,
  };
  arch::GuardedOutcome ended;
  {
    // Only a test that names its panic message has its output captured (captures do not
    // nest, and a test may capture the console itself).
    std::optional<kernel::ScopedConsoleCapture> capturing;
    if (test.panic_text != nullptr) capturing.emplace(capture);
    ended = arch::guarded_call(guard, [&] { test.body(context); });
  }
  if (!ended.returned()) {
    // The jump skipped the test's destructors: a ScopedCapture of its own would point at a
    // dead frame (reset it). Interrupts are as they were before the call (guarded_call.h).
    if (test.panic_text == nullptr) {
      PanicCapture scratch;
      kernel::ScopedConsoleCapture reset(scratch);
    }
    if (recovery.hooks_run != 0) context.print_diagnostic("ran {} recovery hook(s)", recovery.hooks_run);
  }
  g_nr_hooks = recovery.hook_base;  // hooks of a test that returned normally are popped already

  const Outcome outcome = judge(test, context, ended, capture);
  check_locks(context);
  // Interrupts left disabled would make every later test run without IPIs (with other CPUs
  // online, cursors and cross-CPU calls refuse to).
  if (irq_state != 0 && !mm::hal::irqs_enabled()) {
    context.runner_fail("left interrupts disabled (enabled now)");
    mm::hal::irq_restore(irq_state);
  }
  const std::uint64_t free_after = free_frames_now();
  if (free_after < free_before) {
    if (context.keeps_frames_reason() != nullptr) {
      context.print_diagnostic("keeps {} frame(s) on purpose: {}", free_before - free_after,
                               context.keeps_frames_reason());
    } else {
      context.runner_fail("leaked {} frame(s): {} free before the test, {} after",
                          free_before - free_after, free_before, free_after);
    }
  } else if (free_after > free_before) {
    context.print_diagnostic("note: {} more frame(s) free after the test than before",
                             free_after - free_before);
  }
  if (outcome == Outcome::Fail || context.failed()) return Outcome::Fail;
  if (context.skip_reason() != nullptr) return Outcome::Skip;
  return Outcome::Pass;
}

void push_recovery_hook(void (*fn)(void*), void* arg) {
  KASSERT_MSG(g_nr_hooks < MAX_HOOKS, "ktest: more than 32 recovery hooks registered at once");
  g_hooks[g_nr_hooks++] = {fn, arg};
}

void pop_recovery_hook(void* arg) {
  KASSERT_MSG(g_nr_hooks > 0 && g_hooks[g_nr_hooks - 1].arg == arg,
              "ktest: recovery hooks must be dropped in reverse order");
  --g_nr_hooks;
}

keel::fmt::Sink& diagnostic_sink() { return g_diagnostics; }

void Context::fail(std::source_location where, const char* check) {
  ++failures_;
  print_diagnostic("{}:{}: {} failed", where.file_name(), where.line(), check);
}

RunSummary run_all(std::string_view filter) {
  const std::span<const TestCase> tests(__ktests_start, __ktests_end);
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

  kernel::console_print("KTAP version 1\n1..{}\n", suites);
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
    kernel::console_print("    KTAP version 1\n    # Subtest: {}\n    1..{}\n", tests[i].suite, count);
    RunSummary suite;
    unsigned number = 0;
    for (std::size_t t = i; t < end; ++t) {
      if (!selected(tests[t], filter)) continue;
      Context context;
      const Outcome outcome = run_case(tests[t], context);
      ++number;
      switch (outcome) {
        case Outcome::Pass:
          ++suite.passed;
          kernel::console_print("    ok {} {}\n", number, tests[t].name);
          break;
        case Outcome::Fail:
          ++suite.failed;
          kernel::console_print("    not ok {} {}\n", number, tests[t].name);
          break;
        case Outcome::Skip:
          ++suite.skipped;
          kernel::console_print("    ok {} {} # SKIP {}\n", number, tests[t].name, context.skip_reason());
          break;
      }
    }
    kernel::console_print("    # {}: pass:{} fail:{} skip:{} total:{}\n", tests[i].suite, suite.passed,
                   suite.failed, suite.skipped, count);
    ++suite_number;
    const bool suite_ok = suite.failed == 0;
    kernel::console_print("{} {} {}\n", suite_ok ? "ok" : "not ok", suite_number, tests[i].suite);
    total.passed += suite.passed;
    total.failed += suite.failed;
    total.skipped += suite.skipped;
    i = end;
  }
  kernel::console_print("# Totals: pass:{} fail:{} skip:{}\n", total.passed, total.failed, total.skipped);
  return total;
}

}  // namespace kernel::ktest
