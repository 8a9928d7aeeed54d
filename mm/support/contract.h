// Contract checks for portable code. A violated condition is reported with its text and
// source location through the platform's contract_violation() (kernel: panic; host
// tests: abort after printing, so death tests can match the message).
#pragma once

#include <source_location>

namespace keel {

[[noreturn]] void contract_violation(const char* kind, const char* condition, const char* detail,
                                     std::source_location where);

}  // namespace keel

// Always checked: these guard memory safety, and they are cheap next to what they protect.
#define KASSERT(cond)                                                                        \
  do {                                                                                       \
    if (!(cond)) [[unlikely]]                                                                \
      ::keel::contract_violation("assertion", #cond, nullptr, std::source_location::current()); \
  } while (0)

#define KASSERT_MSG(cond, msg)                                                             \
  do {                                                                                     \
    if (!(cond)) [[unlikely]]                                                              \
      ::keel::contract_violation("assertion", #cond, (msg), std::source_location::current()); \
  } while (0)

// A `requires` clause of the seeds' contracts.
#define KREQUIRES(cond)                                                                         \
  do {                                                                                          \
    if (!(cond)) [[unlikely]]                                                                   \
      ::keel::contract_violation("precondition", #cond, nullptr, std::source_location::current()); \
  } while (0)

// An `ensures` clause.
#define KENSURES(cond)                                                                           \
  do {                                                                                           \
    if (!(cond)) [[unlikely]]                                                                    \
      ::keel::contract_violation("postcondition", #cond, nullptr, std::source_location::current()); \
  } while (0)
