// TRY for std::expected: evaluates an expression yielding std::expected<T, E>; on error
// returns std::unexpected(error) from the enclosing function, otherwise yields the value.
// (A GNU statement expression; clang supports it in both the kernel and host builds.)
#pragma once

#include <expected>
#include <utility>

#define TRY(expr)                                                        \
  ({                                                                     \
    auto&& keel_try_result_ = (expr);                                    \
    if (!keel_try_result_.has_value()) [[unlikely]]                      \
      return std::unexpected(std::move(keel_try_result_).error());       \
    std::move(keel_try_result_).value();                                 \
  })

// For std::expected<void, E>.
#define TRY_VOID(expr)                                                   \
  do {                                                                   \
    auto&& keel_try_result_ = (expr);                                    \
    if (!keel_try_result_.has_value()) [[unlikely]]                      \
      return std::unexpected(std::move(keel_try_result_).error());       \
  } while (0)
