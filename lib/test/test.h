// One test source, two harnesses: the gtest subset below is gtest on the host and ktest in
// the kernel, so a behaviour test is written once and runs in both places (Zircon's zxtest
// and Pigweed's pw_unit_test do the same).
//
//   #define KTEST_SUITE "mm.frame"   // the kernel's suite prefix (default "shared")
//   #include "lib/test/test.h"
//
//   TEST(Suite, Name) { EXPECT_EQ(a, b) << keel::test::text(why); }
//   TEST_F(Fixture, Name) { ASSERT_TRUE(ok); ... }   // Fixture : ::testing::Test
//
// Kernel subset: TEST, TEST_F (fixtures with SetUp/TearDown, constructed on the test's
// stack), EXPECT_/ASSERT_ TRUE FALSE EQ NE LT LE GT GE STREQ, and `<<` messages of anything
// fmt prints (keel::test::text(v) formats one for both builds; std::string is host-only).
// An ASSERT_ returns from the function it is in, as in gtest. In the kernel a test is the
// ktest "<KTEST_SUITE>.<Suite>" / "<Name>", so ktest.filter=mm.frame.FrameShared* picks
// what --gtest_filter=FrameShared* picks on the host; the ktest runner's checks (leaked
// frames, held locks, faults, panics) apply to it like to any ktest.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "lib/fmt/format.h"

namespace keel::test {

// A value formatted by fmt, for a failure message that builds in both places (gtest
// streams through std::ostream, which the kernel has not got).
struct Text {
  char buffer[256];
  std::size_t size;
  std::string_view view() const { return {buffer, size}; }
};
template <typename T>
Text text(const T& value) {
  Text t{};
  keel::fmt::BufferSink sink(t.buffer, sizeof(t.buffer));
  keel::fmt::print(sink, "{}", value);
  t.size = sink.view().size();
  return t;
}

}  // namespace keel::test

#if !defined(KEEL_KERNEL)

#include <gtest/gtest.h>

#include <ostream>

namespace keel::test {
inline std::ostream& operator<<(std::ostream& os, const Text& t) { return os << t.view(); }
}  // namespace keel::test

#else  // KEEL_KERNEL

#include <concepts>
#include <source_location>
#include <type_traits>

#include "kernel/ktest/ktest.h"

namespace keel::test {

// The running shared test's ktest context: checks can then sit in fixture helpers and
// other functions, as in gtest. Tests run one at a time, on one CPU.
inline constinit kernel::ktest::Context* g_context = nullptr;
inline kernel::ktest::Context& context() { return *g_context; }

template <typename T>
concept Printable = requires(keel::fmt::Sink& sink, const keel::fmt::Spec& spec, const T& v) {
  format_value(sink, spec, v);
};

// Prints what fmt can print (and string literals, which arrive as char arrays); an enum
// without a printer (std::byte) as its number; else a placeholder, so any comparable value
// can be checked.
template <typename T>
void print_value(keel::fmt::Sink& sink, const T& v) {
  if constexpr (Printable<T> || std::is_same_v<std::remove_cv_t<std::remove_extent_t<T>>, char>) {
    keel::fmt::print(sink, "{}", v);
  } else if constexpr (std::is_enum_v<T>) {
    keel::fmt::print(sink, "{}", static_cast<std::underlying_type_t<T>>(v));
  } else if constexpr (std::is_null_pointer_v<T>) {
    keel::fmt::print(sink, "nullptr");
  } else {
    keel::fmt::print(sink, "(a value fmt cannot print)");
  }
}

// A comparison's outcome; on failure, both sides as text (formatted only then).
struct Result {
  bool ok;
  char left[64];
  char right[64];
  explicit operator bool() const { return ok; }
};
template <typename A, typename B>
Result failed_values(const A& a, const B& b) {
  Result r{false, {}, {}};
  keel::fmt::BufferSink left(r.left, sizeof(r.left) - 1);
  print_value(left, a);
  keel::fmt::BufferSink right(r.right, sizeof(r.right) - 1);
  print_value(right, b);
  return r;
}
#define KEEL_TEST_DEFINE_CMP_(fn, op)                                            \
  template <typename A, typename B>                                              \
  Result fn(const A& a, const B& b) {                                            \
    if (a op b) return Result{true, {}, {}};                                     \
    return failed_values(a, b);                                                  \
  }
KEEL_TEST_DEFINE_CMP_(cmp_eq, ==)
KEEL_TEST_DEFINE_CMP_(cmp_ne, !=)
KEEL_TEST_DEFINE_CMP_(cmp_lt, <)
KEEL_TEST_DEFINE_CMP_(cmp_le, <=)
KEEL_TEST_DEFINE_CMP_(cmp_gt, >)
KEEL_TEST_DEFINE_CMP_(cmp_ge, >=)
#undef KEEL_TEST_DEFINE_CMP_

inline Result cmp_streq(const char* a, const char* b) {
  if (a == nullptr || b == nullptr ? a == b : std::string_view(a) == std::string_view(b)) {
    return Result{true, {}, {}};
  }
  return failed_values(a, b);
}

// One failed check: recorded when made; the streamed message is printed when the full
// expression ends.
class Failure {
 public:
  Failure(std::source_location where, const char* check) { context().fail(where, check); }
  Failure(std::source_location where, const char* check, const Result& r) {
    context().fail(where, check);
    context().print_diagnostic("  left:  {}", std::string_view(r.left));
    context().print_diagnostic("  right: {}", std::string_view(r.right));
  }
  ~Failure() {
    if (size_ != 0) context().print_diagnostic("  {}", std::string_view(message_, size_));
  }
  Failure(const Failure&) = delete;
  Failure& operator=(const Failure&) = delete;

  template <typename T>
  Failure& operator<<(const T& v) {
    keel::fmt::BufferSink sink(message_ + size_, sizeof(message_) - size_);
    print_value(sink, v);
    size_ += sink.view().size();
    return *this;
  }
  Failure& operator<<(const Text& t) { return *this << t.view(); }

 private:
  char message_[128] = {};
  std::size_t size_ = 0;
};

// `return ReturnFromTest() = Failure(...) << ...;` is a void expression: ASSERT_* works in
// any void function and still takes a message (gtest's own trick).
struct ReturnFromTest {
  void operator=(const Failure&) const {}
};

// The ktest body of a TEST/TEST_F: the fixture on this stack, SetUp, the body (unless
// SetUp failed), TearDown.
template <typename T>
void run(kernel::ktest::Context& context) {
  kernel::ktest::Context* const outer = g_context;
  g_context = &context;
  {
    T test;
    test.keel_set_up();
    if (!context.failed()) test.TestBody();
    test.keel_tear_down();
  }
  g_context = outer;
}

}  // namespace keel::test

// Outside keel::test on purpose: it stands in for gtest's ::testing, so shared tests name
// testing::Test (and its SetUp/TearDown) the same way in both builds.
namespace testing {

// gtest's fixture base. No virtual destructor: fixtures live on the test's stack and are
// never deleted through a base pointer (and the kernel has no operator delete to call).
class Test {
 public:
  virtual void SetUp() {}
  virtual void TearDown() {}

 protected:
  Test() = default;
  ~Test() = default;
};

}  // namespace testing

#ifndef KTEST_SUITE
#define KTEST_SUITE "shared"
#endif

#define KEEL_TEST_CLASS_(suite, name) suite##_##name##_KTest
#define KEEL_TEST_DEFINE_(suite, name, base)                                                     \
  class KEEL_TEST_CLASS_(suite, name) final : public base {                                      \
   public:                                                                                       \
    void TestBody();                                                                             \
    /* SetUp and TearDown are protected, as in gtest */                                          \
    void keel_set_up() { this->SetUp(); }                                                       \
    void keel_tear_down() { this->TearDown(); }                                                 \
  };                                                                                             \
  static void keel_ktest_body_##suite##_##name(::kernel::ktest::Context& context) {                      \
    ::keel::test::run<KEEL_TEST_CLASS_(suite, name)>(context);                                   \
  }                                                                                              \
  [[gnu::used, gnu::section(".ktests." KTEST_SUITE "." #suite)]] static constexpr ::kernel::ktest::TestCase \
      keel_ktest_case_##suite##_##name{KTEST_SUITE "." #suite,                                   \
                                       #name,                                                    \
                                       &keel_ktest_body_##suite##_##name,                        \
                                       ::kernel::ktest::Expect::Pass,                                    \
                                       0,                                                        \
                                       nullptr,                                                  \
                                       __FILE__,                                                 \
                                       __LINE__};                                                \
  void KEEL_TEST_CLASS_(suite, name)::TestBody()

#define TEST(suite, name) KEEL_TEST_DEFINE_(suite, name, ::testing::Test)
#define TEST_F(fixture, name) KEEL_TEST_DEFINE_(fixture, name, fixture)

// `switch (0) case 0: default:` keeps a caller's `if (x) EXPECT_...; else ...` unambiguous.
#define KEEL_TEST_CHECK_(ok, on_failure) \
  switch (0)                             \
  case 0:                                \
  default:                               \
    if (ok)                              \
      ;                                  \
    else                                 \
      on_failure

#define KEEL_TEST_BOOL_(cond, text, fatal)                                                  \
  KEEL_TEST_CHECK_(static_cast<bool>(cond),                                                  \
                   fatal ::keel::test::Failure(std::source_location::current(), text))
#define KEEL_TEST_CMP_(fn, a, b, text, fatal)                                                \
  KEEL_TEST_CHECK_(const ::keel::test::Result keel_test_r_ = ::keel::test::fn(a, b),          \
                   fatal ::keel::test::Failure(std::source_location::current(), text, keel_test_r_))

#define KEEL_TEST_NONFATAL_
#define KEEL_TEST_FATAL_ return ::keel::test::ReturnFromTest() =

#define EXPECT_TRUE(c) KEEL_TEST_BOOL_(c, "EXPECT_TRUE(" #c ")", KEEL_TEST_NONFATAL_)
#define EXPECT_FALSE(c) KEEL_TEST_BOOL_(!(c), "EXPECT_FALSE(" #c ")", KEEL_TEST_NONFATAL_)
#define ASSERT_TRUE(c) KEEL_TEST_BOOL_(c, "ASSERT_TRUE(" #c ")", KEEL_TEST_FATAL_)
#define ASSERT_FALSE(c) KEEL_TEST_BOOL_(!(c), "ASSERT_FALSE(" #c ")", KEEL_TEST_FATAL_)

#define EXPECT_EQ(a, b) KEEL_TEST_CMP_(cmp_eq, a, b, "EXPECT_EQ(" #a ", " #b ")", KEEL_TEST_NONFATAL_)
#define EXPECT_NE(a, b) KEEL_TEST_CMP_(cmp_ne, a, b, "EXPECT_NE(" #a ", " #b ")", KEEL_TEST_NONFATAL_)
#define EXPECT_LT(a, b) KEEL_TEST_CMP_(cmp_lt, a, b, "EXPECT_LT(" #a ", " #b ")", KEEL_TEST_NONFATAL_)
#define EXPECT_LE(a, b) KEEL_TEST_CMP_(cmp_le, a, b, "EXPECT_LE(" #a ", " #b ")", KEEL_TEST_NONFATAL_)
#define EXPECT_GT(a, b) KEEL_TEST_CMP_(cmp_gt, a, b, "EXPECT_GT(" #a ", " #b ")", KEEL_TEST_NONFATAL_)
#define EXPECT_GE(a, b) KEEL_TEST_CMP_(cmp_ge, a, b, "EXPECT_GE(" #a ", " #b ")", KEEL_TEST_NONFATAL_)
#define EXPECT_STREQ(a, b) KEEL_TEST_CMP_(cmp_streq, a, b, "EXPECT_STREQ(" #a ", " #b ")", KEEL_TEST_NONFATAL_)
#define ASSERT_EQ(a, b) KEEL_TEST_CMP_(cmp_eq, a, b, "ASSERT_EQ(" #a ", " #b ")", KEEL_TEST_FATAL_)
#define ASSERT_NE(a, b) KEEL_TEST_CMP_(cmp_ne, a, b, "ASSERT_NE(" #a ", " #b ")", KEEL_TEST_FATAL_)
#define ASSERT_LT(a, b) KEEL_TEST_CMP_(cmp_lt, a, b, "ASSERT_LT(" #a ", " #b ")", KEEL_TEST_FATAL_)
#define ASSERT_LE(a, b) KEEL_TEST_CMP_(cmp_le, a, b, "ASSERT_LE(" #a ", " #b ")", KEEL_TEST_FATAL_)
#define ASSERT_GT(a, b) KEEL_TEST_CMP_(cmp_gt, a, b, "ASSERT_GT(" #a ", " #b ")", KEEL_TEST_FATAL_)
#define ASSERT_GE(a, b) KEEL_TEST_CMP_(cmp_ge, a, b, "ASSERT_GE(" #a ", " #b ")", KEEL_TEST_FATAL_)
#define ASSERT_STREQ(a, b) KEEL_TEST_CMP_(cmp_streq, a, b, "ASSERT_STREQ(" #a ", " #b ")", KEEL_TEST_FATAL_)

#endif  // KEEL_KERNEL
