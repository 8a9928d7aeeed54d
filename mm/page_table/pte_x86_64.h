// The x86-64 page-table entry format (4- and 5-level paging), as a portable policy.
//
// The entry format lives here, in mm/, as plain bit arithmetic (no asm, no arch headers):
// the format is data, and keeping it portable lets host tests walk the
// exact tables the kernel loads. Page tables take it through their config's `Pte` type;
// only CPU-dependent choices live in arch/x86_64/paging/ (1 GiB page support, LA57, and
// programming IA32_PAT so that PAT index 4 is write-combining, which this encoding assumes).
//
// Leaf bits: P, W, U, PWT, PCD, A, D, PS (levels 2–3), G, NX, PAT (bit 7 at level 1, bit 12
// at levels 2–3), and software bit 9 = "tracked" (the leaf holds a reference to a frame
// with metadata; clear for untracked physical ranges such as the linear map or MMIO).
// Intermediate entries are P|W|A (|U for user tables): leaves alone decide permissions.
#pragma once

#include <cstdint>

#include "mm/page_table/page_property.h"
#include "mm/types.h"

namespace mm::page_table {

struct PteX86_64 {
  using Raw = std::uint64_t;

  static constexpr Raw PRESENT = 1ull << 0;
  static constexpr Raw WRITABLE = 1ull << 1;
  static constexpr Raw USER = 1ull << 2;
  static constexpr Raw WRITE_THROUGH = 1ull << 3;  // PWT
  static constexpr Raw CACHE_DISABLE = 1ull << 4;  // PCD
  static constexpr Raw ACCESSED = 1ull << 5;
  static constexpr Raw DIRTY = 1ull << 6;
  static constexpr Raw HUGE = 1ull << 7;       // PS, levels 2 and 3
  static constexpr Raw PAT_4K = 1ull << 7;     // level 1
  static constexpr Raw GLOBAL = 1ull << 8;
  static constexpr Raw SW_TRACKED = 1ull << 9;  // available to software
  static constexpr Raw PAT_HUGE = 1ull << 12;  // levels 2 and 3
  static constexpr Raw NO_EXECUTE = 1ull << 63;
  static constexpr Raw ADDR_MASK = 0x000f'ffff'ffff'f000ull;  // bits 12..51
  // The widest physical address the format can hold: addresses at or above 2^52 would be
  // masked by ADDR_MASK into a different frame.
  static constexpr unsigned PADDR_BITS = 52;

  // The PAT index each cache policy selects (PAT:PCD:PWT). Indices 0–3 keep the power-on
  // defaults (WB, WT, UC-, UC); index 4 must be WC (arch/x86_64/paging/pat.h programs it).
  static constexpr unsigned PAT_INDEX_WB = 0;
  static constexpr unsigned PAT_INDEX_WT = 1;
  static constexpr unsigned PAT_INDEX_UC = 3;
  static constexpr unsigned PAT_INDEX_WC = 4;

  static constexpr Raw absent() { return 0; }
  static constexpr bool is_present(Raw e) { return (e & PRESENT) != 0; }
  // A present entry maps a page (rather than pointing at a child node).
  static constexpr bool is_leaf(Raw e, PagingLevel level) {
    return is_present(e) && (level == 1 || (e & HUGE) != 0);
  }
  static constexpr bool is_tracked(Raw e) { return (e & SW_TRACKED) != 0; }

  static constexpr Raw make_child(Paddr node, bool user) {
    return (node & ADDR_MASK) | PRESENT | WRITABLE | ACCESSED | (user ? USER : 0);
  }
  static constexpr Paddr child_paddr(Raw e) { return e & ADDR_MASK; }

  static constexpr Raw make_leaf(Paddr pa, const PageProperty& prop, PagingLevel level,
                                 bool tracked) {
    Raw e = (pa & ADDR_MASK) | PRESENT | ACCESSED | DIRTY | property_bits(prop, level);
    if (level > 1) e |= HUGE;
    if (tracked) e |= SW_TRACKED;
    return e;
  }
  static constexpr Paddr leaf_paddr(Raw e, PagingLevel level) {
    return e & ADDR_MASK & ~((std::uint64_t{1} << (12 + 9 * (level - 1))) - 1);
  }
  // The same leaf (address, size, tracked bit) with a new property.
  static constexpr Raw with_property(Raw e, const PageProperty& prop, PagingLevel level) {
    return make_leaf(leaf_paddr(e, level), prop, level, is_tracked(e));
  }

  static constexpr PageProperty leaf_property(Raw e, PagingLevel level) {
    PageProperty p;
    p.flags = PageFlags::R;
    if ((e & WRITABLE) != 0) p.flags = p.flags | PageFlags::W;
    if ((e & NO_EXECUTE) == 0) p.flags = p.flags | PageFlags::X;
    p.user = (e & USER) != 0;
    p.global = (e & GLOBAL) != 0;
    const Raw pat_bit = level == 1 ? PAT_4K : PAT_HUGE;
    const unsigned index = ((e & pat_bit) != 0 ? 4u : 0u) | ((e & CACHE_DISABLE) != 0 ? 2u : 0u) |
                           ((e & WRITE_THROUGH) != 0 ? 1u : 0u);
    switch (index) {
      case PAT_INDEX_WT: p.cache = CachePolicy::WriteThrough; break;
      case PAT_INDEX_UC: p.cache = CachePolicy::Uncached; break;
      case PAT_INDEX_WC: p.cache = CachePolicy::WriteCombining; break;
      default: p.cache = CachePolicy::Writeback; break;  // 0; other indices are never written
    }
    return p;
  }

 private:
  static constexpr Raw property_bits(const PageProperty& prop, PagingLevel level) {
    Raw e = 0;
    if (prop.writable()) e |= WRITABLE;
    if (!prop.executable()) e |= NO_EXECUTE;
    if (prop.user) e |= USER;
    if (prop.global) e |= GLOBAL;
    const Raw pat_bit = level == 1 ? PAT_4K : PAT_HUGE;
    switch (prop.cache) {
      case CachePolicy::Writeback: break;
      case CachePolicy::WriteThrough: e |= WRITE_THROUGH; break;
      case CachePolicy::Uncached: e |= CACHE_DISABLE | WRITE_THROUGH; break;
      case CachePolicy::WriteCombining: e |= pat_bit; break;
    }
    return e;
  }
};

// Round trips, checked at compile time.
static_assert(PteX86_64::leaf_property(
                  PteX86_64::make_leaf(0x20'0000, {PageFlags::RW, CachePolicy::WriteCombining}, 2, false),
                  2) == PageProperty{PageFlags::RW, CachePolicy::WriteCombining});
static_assert(PteX86_64::leaf_paddr(
                  PteX86_64::make_leaf(0x4000'0000, {PageFlags::RX, CachePolicy::Uncached}, 3, true), 3) ==
              0x4000'0000);
static_assert(!PteX86_64::is_leaf(PteX86_64::make_child(0x1000, false), 2));

}  // namespace mm::page_table
