// Shell-style glob matching (* and ?) for test and benchmark filters.
#pragma once

#include <string_view>

namespace kernel::ktest {

// True if `text` matches `pattern`. Iterative with one backtrack point: linear in practice
// and no recursion on the kernel stack.
constexpr bool glob_match(std::string_view pattern, std::string_view text) {
  std::size_t p = 0, t = 0;
  std::size_t star = std::string_view::npos, resume = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

// True if `text` matches any of the ':'-separated globs in `patterns` (gtest's filter
// syntax, positive patterns only): `mm.meta*:mm.frame.*` selects both suites.
constexpr bool glob_match_any(std::string_view patterns, std::string_view text) {
  while (true) {
    const std::size_t end = patterns.find(':');
    if (glob_match(patterns.substr(0, end), text)) return true;
    if (end == std::string_view::npos) return false;
    patterns.remove_prefix(end + 1);
  }
}

static_assert(glob_match("mm.*", "mm.frame.refcount"));
static_assert(glob_match("*refcount", "mm.frame.refcount"));
static_assert(glob_match("mm.?rame.*", "mm.frame.x"));
static_assert(!glob_match("mm.*", "kernel.mm"));
static_assert(glob_match("", "") && !glob_match("", "a") && glob_match("*", ""));
static_assert(glob_match_any("mm.meta*:mm.frame.*", "mm.frame.x"));
static_assert(glob_match_any("mm.meta*:mm.frame.*", "mm.meta.y"));
static_assert(!glob_match_any("mm.meta*:mm.frame.*", "mm.allocator.z"));
static_assert(glob_match_any("x", "x") && !glob_match_any("x:", "y") && glob_match_any("y:", ""));

}  // namespace kernel::ktest
