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

// True if `text` matches any of the ':'-separated globs in `patterns`:
// `mm.meta*:mm.frame.*` selects both suites.
constexpr bool glob_match_any(std::string_view patterns, std::string_view text) {
  while (true) {
    const std::size_t end = patterns.find(':');
    if (glob_match(patterns.substr(0, end), text)) return true;
    if (end == std::string_view::npos) return false;
    patterns.remove_prefix(end + 1);
  }
}

// gtest's filter syntax: `POSITIVE[-NEGATIVE]`, each a ':'-separated glob list. A name is
// selected when it matches a positive glob (an empty positive list means `*`) and no
// negative one: `mm.frame.*-*Sweep*` runs the frame suite without its sweeps.
constexpr bool filter_selects(std::string_view filter, std::string_view text) {
  const std::size_t dash = filter.find('-');
  const std::string_view positive = filter.substr(0, dash);
  if (!glob_match_any(positive.empty() ? "*" : positive, text)) return false;
  return dash == std::string_view::npos || !glob_match_any(filter.substr(dash + 1), text);
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
static_assert(filter_selects("", "anything") && filter_selects("mm.*", "mm.frame.x"));
static_assert(filter_selects("mm.*-mm.frame.Sweep:mm.meta*", "mm.frame.x"));
static_assert(!filter_selects("mm.*-mm.frame.Sweep:mm.meta*", "mm.frame.Sweep"));
static_assert(!filter_selects("mm.*-mm.frame.Sweep:mm.meta*", "mm.meta.y"));
static_assert(filter_selects("-mm.*", "kernel.x") && !filter_selects("-mm.*", "mm.x"));
static_assert(!filter_selects("mm.*-", "kernel.x") && filter_selects("mm.*-", "mm.x"));

}  // namespace kernel::ktest
