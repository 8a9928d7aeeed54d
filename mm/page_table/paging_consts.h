// Radix-tree geometry shared by every page-table configuration: 512 entries per node, 4 KiB
// base pages, 9 index bits per level. Level 1 holds 4 KiB leaves, level 2 2 MiB, level 3
// 1 GiB; levels 4 and 5 hold only child nodes. Everything here is constexpr arithmetic.
#pragma once

#include <cstdint>

#include "mm/types.h"

namespace mm::page_table {

inline constexpr unsigned NR_ENTRIES = 512;
inline constexpr unsigned INDEX_BITS = 9;
inline constexpr PagingLevel MAX_NR_LEVELS = 5;
// The highest level that may hold a leaf (1 GiB pages); above it only child nodes.
inline constexpr PagingLevel MAX_LEAF_LEVEL = 3;

// log2 of the bytes one entry at `level` maps (12 for level 1).
constexpr unsigned level_shift(PagingLevel level) { return PAGE_SHIFT + INDEX_BITS * (level - 1u); }
// Bytes one entry at `level` maps. Valid for level ≤ 5 (2^48 fits easily).
constexpr std::uint64_t page_size_at(PagingLevel level) { return std::uint64_t{1} << level_shift(level); }
// The entry index of `va` in a node of `level`.
constexpr unsigned index_at(Vaddr va, PagingLevel level) {
  return static_cast<unsigned>((va >> level_shift(level)) & (NR_ENTRIES - 1));
}
// Whether `a` and `b` fall in the same node of `level` (its entries' common prefix).
// A node at the top level covers the whole space, and level_shift(level + 1) would be ≥ 57.
constexpr bool same_node(Vaddr a, Vaddr b, PagingLevel level) {
  const unsigned shift = level_shift(level + 1u);
  return shift >= 64 || ((a ^ b) >> shift) == 0;
}

// The number of meaningful virtual-address bits with `nr_levels` levels (48 or 57).
constexpr unsigned va_bits(PagingLevel nr_levels) { return level_shift(nr_levels + 1u); }
// Sign-extends bit va_bits-1, as the CPU requires of canonical addresses.
constexpr Vaddr sign_extend(Vaddr va, PagingLevel nr_levels) {
  const unsigned bits = va_bits(nr_levels);
  const Vaddr mask = (Vaddr{1} << bits) - 1;
  va &= mask;
  return (va >> (bits - 1)) & 1 ? (va | ~mask) : va;
}
constexpr bool is_canonical(Vaddr va, PagingLevel nr_levels) {
  return sign_extend(va, nr_levels) == va;
}

static_assert(page_size_at(1) == 4096);
static_assert(page_size_at(2) == 2ull << 20);
static_assert(page_size_at(3) == 1ull << 30);
static_assert(va_bits(4) == 48 && va_bits(5) == 57);
static_assert(sign_extend(0x0000'8000'0000'0000, 4) == 0xffff'8000'0000'0000);
static_assert(index_at(0xffff'8000'0000'0000, 4) == 256);

}  // namespace mm::page_table
