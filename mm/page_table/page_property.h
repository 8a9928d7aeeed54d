// PageProperty: what a mapping allows and how it is cached, independent of any PTE format.
//
//   PageProperty{.flags = PageFlags::RW, .cache = CachePolicy::Writeback, .global = true}
//
// x86-64 cannot express a present page that is not readable: R is implied by presence, and
// decoding an entry always reports R.
#pragma once

#include <cstdint>

#include "lib/fmt/format.h"

namespace mm::page_table {

enum class PageFlags : std::uint8_t {
  None = 0,
  R = 1,
  W = 2,
  X = 4,
  RW = R | W,
  RX = R | X,
  RWX = R | W | X,
};
constexpr PageFlags operator|(PageFlags a, PageFlags b) {
  return static_cast<PageFlags>(static_cast<std::uint8_t>(a) | static_cast<std::uint8_t>(b));
}
constexpr PageFlags operator&(PageFlags a, PageFlags b) {
  return static_cast<PageFlags>(static_cast<std::uint8_t>(a) & static_cast<std::uint8_t>(b));
}
constexpr PageFlags without(PageFlags a, PageFlags b) {
  return static_cast<PageFlags>(static_cast<std::uint8_t>(a) & ~static_cast<std::uint8_t>(b));
}
constexpr bool has(PageFlags a, PageFlags b) { return (a & b) == b; }

enum class CachePolicy : std::uint8_t { Writeback, Uncached, WriteCombining, WriteThrough };

struct PageProperty {
  PageFlags flags = PageFlags::R;
  CachePolicy cache = CachePolicy::Writeback;
  bool user = false;    // accessible from user mode
  bool global = false;  // survives address-space switches (kernel mappings)

  constexpr bool writable() const { return has(flags, PageFlags::W); }
  constexpr bool executable() const { return has(flags, PageFlags::X); }
  friend constexpr bool operator==(const PageProperty&, const PageProperty&) = default;
};

constexpr const char* cache_policy_name(CachePolicy c) {
  switch (c) {
    case CachePolicy::Writeback: return "WB";
    case CachePolicy::Uncached: return "UC";
    case CachePolicy::WriteCombining: return "WC";
    case CachePolicy::WriteThrough: return "WT";
  }
  return "?";
}

inline void format_value(keel::fmt::Sink& sink, const keel::fmt::Spec&, const PageProperty& p) {
  keel::fmt::print(sink, "{}{}{} {}{}{}", has(p.flags, PageFlags::R) ? 'r' : '-', p.writable() ? 'w' : '-',
             p.executable() ? 'x' : '-', cache_policy_name(p.cache), p.user ? " user" : "",
             p.global ? " global" : "");
}

}  // namespace mm::page_table
