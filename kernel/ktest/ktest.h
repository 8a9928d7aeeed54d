// In-kernel tests (ktest), registered through a linker section next to the code they test.
//
//   #define KTEST_SUITE "mm.frame"
//   #include "kernel/ktest/ktest.h"
//
//   KTEST(refcount_starts_at_one) {
//     auto frame = ...;
//     KEXPECT_EQ(frame.reference_count(), 1u);
//   }
//   KTEST_EXPECT_FAULT(write_to_rodata_faults, arch::VECTOR_PAGE_FAULT) { ... }
//   KTEST_EXPECT_PANIC(double_free_panics) { ... }
//   KTEST_EXPECT_PANIC_WITH(double_free_names_it, "freed twice") { ... }
//
// `ktest` on the kernel command line runs every test, `ktest.filter=<positive>[-<negative>]`
// (gtest's syntax, ':'-separated globs) the tests whose "suite.name" matches a positive glob and
// no negative one. Results are printed as KTAP version 1, one nested suite per
// KTEST_SUITE. A test that expects a fault or a panic passes only if it happens; an
// unexpected fault or panic fails the test (with the full report) and the run goes on.
// KTEST_EXPECT_PANIC_WITH also requires the panic message to contain a substring, and
// ktest_ctx.expect_fault_address(a) a fault at that address.
//
// Isolation (the runner checks around every test and fails it by name):
//  - frames: the allocator's free-frame total (per-CPU caches drained) must be the same
//    after the test as before; the difference is printed. A test whose memory the kernel
//    really keeps (a cache filled on first use) says so with ktest_ctx.keeps_frames(why).
//  - locks: the buddy allocator's lock and every kernel page-table node lock must be free
//    after the test; a held one fails the test and is released so the run can go on.
//  - a fault or panic longjmps back into the runner, skipping the test's destructors: what
//    they would release, a kernel::ktest::OnRecovery hook registered by the test releases instead
//    (it runs before the jump, while the test's locals still exist).
#pragma once

#include <cstddef>
#include <cstdint>
#include <source_location>
#include <string_view>
#include <utility>

#include "lib/fmt/format.h"

namespace kernel::ktest {

enum class Expect : std::uint8_t { Pass, Fault, Panic };
enum class Outcome : std::uint8_t { Pass, Fail, Skip };

class Context {
 public:
  // Records a failed check and prints it as a KTAP diagnostic.
  void fail(std::source_location where, const char* check);
  template <typename A, typename B>
  void fail_values(std::source_location where, const char* check, const A& a, const B& b) {
    fail(where, check);
    print_diagnostic("  left:  {}", a);
    print_diagnostic("  right: {}", b);
  }
  template <typename... Args>
  void print_diagnostic(std::string_view format, const Args&... args);

  bool failed() const { return failures_ != 0; }
  void skip(const char* reason) { skip_reason_ = reason; }
  const char* skip_reason() const { return skip_reason_; }

  // For KTEST_EXPECT_FAULT, stated before the fault: the address it must report, a page
  // fault's accessed address (CR2); for any other exception, the faulting rip.
  void expect_fault_address(std::uint64_t address) {
    fault_address_ = address;
    has_fault_address_ = true;
  }
  bool has_expected_fault_address() const { return has_fault_address_; }
  std::uint64_t expected_fault_address() const { return fault_address_; }

  // Opt-out of the runner's leak check for memory the kernel really keeps (say why; it is
  // printed). Prefer freeing what the test allocated.
  void keeps_frames(const char* reason) { keeps_frames_reason_ = reason; }
  const char* keeps_frames_reason() const { return keeps_frames_reason_; }

  // The runner's own verdicts (a leak, a held lock, the wrong panic): printed like a failed
  // check; the first one is kept in runner_note() (kernel/ktest/ktest_selftest.cc reads it).
  template <typename... Args>
  void runner_fail(std::string_view format, const Args&... args);
  std::string_view runner_note() const { return {note_, note_size_}; }

 private:
  unsigned failures_ = 0;
  const char* skip_reason_ = nullptr;
  const char* keeps_frames_reason_ = nullptr;
  std::uint64_t fault_address_ = 0;
  bool has_fault_address_ = false;
  char note_[160] = {};
  std::size_t note_size_ = 0;
};

struct TestCase {
  const char* suite;
  const char* name;
  void (*body)(Context&);
  Expect expect;
  std::uint8_t fault_vector;  // with Expect::Fault
  const char* panic_text;     // with Expect::Panic: a substring of the message (or nullptr)
  const char* file;
  unsigned line;
};

// Diagnostics go to the console with KTAP's nested-suite indentation.
keel::fmt::Sink& diagnostic_sink();

template <typename... Args>
void Context::print_diagnostic(std::string_view format, const Args&... args) {
  keel::fmt::print(diagnostic_sink(), "    # ");
  keel::fmt::print(diagnostic_sink(), format, args...);
  keel::fmt::print(diagnostic_sink(), "\n");
}

template <typename... Args>
void Context::runner_fail(std::string_view format, const Args&... args) {
  ++failures_;
  print_diagnostic(format, args...);
  if (note_size_ == 0) {
    keel::fmt::BufferSink note(note_, sizeof(note_));
    keel::fmt::print(note, format, args...);
    note_size_ = note.view().size();
  }
}

// Recovery hooks (see the top of this file). At most 32 registered at a time.
void push_recovery_hook(void (*fn)(void*), void* arg);
void pop_recovery_hook(void* arg);

//   mm::frame::UFrame frame = ...;
//   kernel::ktest::OnRecovery release([&] { mm::frame::UFrame dropped = std::move(frame); });
// runs the lambda only if the test is cut short by a fault or panic; leaving the scope
// normally drops the hook unrun (the destructors do the work then).
template <typename F>
class OnRecovery {
 public:
  explicit OnRecovery(F fn) : fn_(std::move(fn)) { push_recovery_hook(&run, this); }
  ~OnRecovery() { pop_recovery_hook(this); }
  OnRecovery(const OnRecovery&) = delete;
  OnRecovery& operator=(const OnRecovery&) = delete;

 private:
  static void run(void* self) { static_cast<OnRecovery*>(self)->fn_(); }
  F fn_;
};

struct RunSummary {
  unsigned passed = 0;
  unsigned failed = 0;
  unsigned skipped = 0;
};

// Runs the tests whose "suite.name" matches `filter` (a glob with * and ?; empty = all).
// A fault or panic inside a test is caught by a guarded call (arch/x86_64/guarded_call.h)
// and judged against the test's expectation.
RunSummary run_all(std::string_view filter);

// Runs one test with recovery and the isolation checks and judges it (prints diagnostics,
// not the KTAP result line). Nests: a test may run a scratch TestCase (the selftests do).
Outcome run_case(const TestCase& test, Context& context);

}  // namespace kernel::ktest

#define KTEST_CONCAT_INNER(a, b) a##b
#define KTEST_CONCAT(a, b) KTEST_CONCAT_INNER(a, b)

#define KTEST_DEFINE(name, expect, vector, text)                                               \
  static void KTEST_CONCAT(ktest_body_, name)(::kernel::ktest::Context&);                              \
  [[gnu::used, gnu::section(".ktests." KTEST_SUITE)]] static constexpr ::kernel::ktest::TestCase     \
      KTEST_CONCAT(ktest_case_, name){KTEST_SUITE, #name, &KTEST_CONCAT(ktest_body_, name),    \
                                      expect,      vector, text, __FILE__,                    \
                                      __LINE__};                                               \
  static void KTEST_CONCAT(ktest_body_, name)([[maybe_unused]] ::kernel::ktest::Context & ktest_ctx)

#define KTEST(name) KTEST_DEFINE(name, ::kernel::ktest::Expect::Pass, 0, nullptr)
#define KTEST_EXPECT_FAULT(name, vector) KTEST_DEFINE(name, ::kernel::ktest::Expect::Fault, vector, nullptr)
#define KTEST_EXPECT_PANIC(name) KTEST_DEFINE(name, ::kernel::ktest::Expect::Panic, 0, nullptr)
// Passes only if the panic message (the text after "KERNEL PANIC: ") contains `text`.
#define KTEST_EXPECT_PANIC_WITH(name, text) KTEST_DEFINE(name, ::kernel::ktest::Expect::Panic, 0, text)

#define KEXPECT_TRUE(cond)                                                           \
  do {                                                                               \
    if (!(cond)) ktest_ctx.fail(std::source_location::current(), "KEXPECT_TRUE(" #cond ")"); \
  } while (0)
#define KEXPECT_FALSE(cond) KEXPECT_TRUE(!(cond))
#define KEXPECT_CMP(a, op, b, text)                                                    \
  do {                                                                                 \
    const auto& ktest_a_ = (a);                                                        \
    const auto& ktest_b_ = (b);                                                        \
    if (!(ktest_a_ op ktest_b_))                                                       \
      ktest_ctx.fail_values(std::source_location::current(), text, ktest_a_, ktest_b_); \
  } while (0)
#define KEXPECT_EQ(a, b) KEXPECT_CMP(a, ==, b, "KEXPECT_EQ(" #a ", " #b ")")
#define KEXPECT_NE(a, b) KEXPECT_CMP(a, !=, b, "KEXPECT_NE(" #a ", " #b ")")
#define KEXPECT_LT(a, b) KEXPECT_CMP(a, <, b, "KEXPECT_LT(" #a ", " #b ")")
#define KEXPECT_LE(a, b) KEXPECT_CMP(a, <=, b, "KEXPECT_LE(" #a ", " #b ")")
#define KEXPECT_GE(a, b) KEXPECT_CMP(a, >=, b, "KEXPECT_GE(" #a ", " #b ")")
#define KEXPECT_GT(a, b) KEXPECT_CMP(a, >, b, "KEXPECT_GT(" #a ", " #b ")")
// Stops the test on failure (for checks later steps depend on). Named apart from
// lib/contract's KASSERT, which is a contract check that panics.
#define KTEST_ASSERT_TRUE(cond)                                                        \
  do {                                                                                 \
    if (!(cond)) {                                                                     \
      ktest_ctx.fail(std::source_location::current(), "KTEST_ASSERT_TRUE(" #cond ")"); \
      return;                                                                          \
    }                                                                                  \
  } while (0)
