// KASSERT_FMT: a contract check whose message is formatted (e.g. with the frame address),
// for the kernel bugs the frame layer detects: double free, refcount overflow, freeing a
// reserved or still-referenced frame. The formatting runs only on failure.
#pragma once

#include <source_location>
#include <string_view>

#include "lib/contract/contract.h"
#include "lib/fmt/format.h"

namespace keel::contract {

template <typename... Args>
[[noreturn, gnu::cold, gnu::noinline]] void violation_fmt(
    const char* kind, const char* condition, std::source_location where, std::string_view format,
    const Args&... args) {
  char buffer[256];
  keel::fmt::BufferSink sink(buffer, sizeof(buffer) - 1);
  keel::fmt::print(sink, format, args...);
  buffer[sink.view().size()] = '\0';
  violation(kind, condition, buffer, where);
}

}  // namespace keel::contract

#define KASSERT_FMT(cond, ...)                                                          \
  do {                                                                                  \
    if (!(cond)) [[unlikely]]                                                           \
      ::keel::contract::violation_fmt("assertion", #cond, std::source_location::current(), \
                                     __VA_ARGS__);                                      \
  } while (0)

#define KREQUIRES_FMT(cond, ...)                                                           \
  do {                                                                                     \
    if (!(cond)) [[unlikely]]                                                              \
      ::keel::contract::violation_fmt("precondition", #cond, std::source_location::current(), \
                                     __VA_ARGS__);                                         \
  } while (0)
