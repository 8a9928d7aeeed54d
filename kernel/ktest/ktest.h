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
//
// `ktest` on the kernel command line runs every test, `ktest.filter=<glob>` the tests whose
// "suite.name" matches. Results are printed as KTAP version 1, one nested suite per
// KTEST_SUITE. A test that expects a fault or a panic passes only if it happens; an
// unexpected fault or panic fails the test (with the full report) and the run goes on.
#pragma once

#include <cstdint>
#include <source_location>

#include "mm/support/format.h"

namespace ktest {

enum class Expect : std::uint8_t { Pass, Fault, Panic };

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

 private:
  unsigned failures_ = 0;
  const char* skip_reason_ = nullptr;
};

struct TestCase {
  const char* suite;
  const char* name;
  void (*body)(Context&);
  Expect expect;
  std::uint8_t fault_vector;  // with Expect::Fault
  const char* file;
  unsigned line;
};

// Diagnostics go to the console with KTAP's nested-suite indentation.
fmt::Sink& diagnostic_sink();

template <typename... Args>
void Context::print_diagnostic(std::string_view format, const Args&... args) {
  fmt::print(diagnostic_sink(), "    # ");
  fmt::print(diagnostic_sink(), format, args...);
  fmt::print(diagnostic_sink(), "\n");
}

struct RunSummary {
  unsigned passed = 0;
  unsigned failed = 0;
  unsigned skipped = 0;
};

// Runs the tests whose "suite.name" matches `filter` (a glob with * and ?; empty = all).
// A panic inside a test is caught through kernel/recovery.h and judged like a fault.
RunSummary run_all(std::string_view filter);

}  // namespace ktest

#define KTEST_CONCAT_INNER(a, b) a##b
#define KTEST_CONCAT(a, b) KTEST_CONCAT_INNER(a, b)

#define KTEST_DEFINE(name, expect, vector)                                                     \
  static void KTEST_CONCAT(ktest_body_, name)(::ktest::Context&);                              \
  [[gnu::used, gnu::section(".ktests." KTEST_SUITE)]] static constexpr ::ktest::TestCase     \
      KTEST_CONCAT(ktest_case_, name){KTEST_SUITE, #name, &KTEST_CONCAT(ktest_body_, name),    \
                                      expect,      vector, __FILE__,                          \
                                      __LINE__};                                               \
  static void KTEST_CONCAT(ktest_body_, name)([[maybe_unused]] ::ktest::Context & ktest_ctx)

#define KTEST(name) KTEST_DEFINE(name, ::ktest::Expect::Pass, 0)
#define KTEST_EXPECT_FAULT(name, vector) KTEST_DEFINE(name, ::ktest::Expect::Fault, vector)
#define KTEST_EXPECT_PANIC(name) KTEST_DEFINE(name, ::ktest::Expect::Panic, 0)

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
// Stops the test on failure (for checks later steps depend on).
#define KASSERT_TRUE(cond)                                                             \
  do {                                                                                 \
    if (!(cond)) {                                                                     \
      ktest_ctx.fail(std::source_location::current(), "KASSERT_TRUE(" #cond ")");      \
      return;                                                                          \
    }                                                                                  \
  } while (0)
