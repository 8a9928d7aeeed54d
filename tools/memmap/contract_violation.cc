// The memmap tool's platform hook for mm/ contract checks (the kernel panics; host tests
// use mm/testing/host_hal.cc): print what failed and where, then abort.
#include <cstdio>
#include <cstdlib>
#include <source_location>

#include "lib/contract/contract.h"

namespace keel::contract {

void violation(const char* kind, const char* condition, const char* detail,
               std::source_location where) {
  std::fprintf(stderr, "memmap: internal error: contract violation (%s): %s%s%s\n  at %s:%u\n",
               kind, condition, detail != nullptr ? ": " : "", detail != nullptr ? detail : "",
               where.file_name(), static_cast<unsigned>(where.line()));
  std::abort();
}

}  // namespace keel::contract
