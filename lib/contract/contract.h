// Contract checks for portable code. A violated condition is reported with its text and
// source location through the platform's keel::contract::violation() (kernel: panic; host
// tests: abort after printing, so death tests can match the message).
#pragma once

#include <source_location>

namespace keel::contract {

[[noreturn]] void violation(const char* kind, const char* condition, const char* detail,
                            std::source_location where);

}  // namespace keel::contract

// Always checked: these guard memory safety, and they are cheap next to what they protect.
#define KASSERT(cond)                                                                        \
  do {                                                                                       \
    if (!(cond)) [[unlikely]]                                                                \
      ::keel::contract::violation("assertion", #cond, nullptr, std::source_location::current()); \
  } while (0)

#define KASSERT_MSG(cond, msg)                                                             \
  do {                                                                                     \
    if (!(cond)) [[unlikely]]                                                              \
      ::keel::contract::violation("assertion", #cond, (msg), std::source_location::current()); \
  } while (0)

// A precondition: the caller broke the function's contract (the panic says "precondition").
#define KREQUIRES(cond)                                                                         \
  do {                                                                                          \
    if (!(cond)) [[unlikely]]                                                                   \
      ::keel::contract::violation("precondition", #cond, nullptr, std::source_location::current()); \
  } while (0)

