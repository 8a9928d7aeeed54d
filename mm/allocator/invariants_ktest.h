// For ktests: the full allocator invariant walk as a test expectation, printing the
// violation it found (kernel-only: it uses the ktest context).
#pragma once

#include "kernel/ktest/ktest.h"
#include "mm/allocator/invariants.h"

#define EXPECT_ALLOCATOR_INVARIANTS()                                        \
  do {                                                                       \
    const auto invariants_ = mm::allocator::check_allocator_invariants();    \
    if (!invariants_) ktest_ctx.print_diagnostic("{}", invariants_.error()); \
    KEXPECT_TRUE(invariants_.has_value());                                   \
  } while (0)
