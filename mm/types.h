// Basic memory-management vocabulary shared by every mm module.
#pragma once

#include <cstddef>
#include <cstdint>

namespace mm {

using Paddr = std::uint64_t;  // physical address
using Vaddr = std::uint64_t;  // virtual address
using PagingLevel = std::uint8_t;  // 1 = 4 KiB leaf level, 2 = 2 MiB, 3 = 1 GiB, ...

inline constexpr std::size_t PAGE_SHIFT = 12;
inline constexpr std::size_t PAGE_SIZE = std::size_t{1} << PAGE_SHIFT;

// keel supports physical addresses below 2^46 (64 TiB), which bounds the metadata range
// (2^34 slots × 64 B = 1 TiB of virtual space) and the linear map.
inline constexpr unsigned MAX_PADDR_BITS = 46;
inline constexpr Paddr MAX_PADDR = Paddr{1} << MAX_PADDR_BITS;
inline constexpr std::uint64_t MAX_NR_PAGES = MAX_PADDR / PAGE_SIZE;

constexpr bool is_page_aligned(std::uint64_t v) { return (v & (PAGE_SIZE - 1)) == 0; }
constexpr std::uint64_t align_down(std::uint64_t v, std::uint64_t align) { return v & ~(align - 1); }
// Callers check for overflow first where v may be near 2^64 (see checked_align_up).
constexpr std::uint64_t align_up(std::uint64_t v, std::uint64_t align) {
  return (v + align - 1) & ~(align - 1);
}
constexpr bool checked_align_up(std::uint64_t v, std::uint64_t align, std::uint64_t& out) {
  if (v > ~std::uint64_t{0} - (align - 1)) return false;
  out = align_up(v, align);
  return true;
}

// A half-open physical range [start, end).
struct PhysRange {
  Paddr start = 0;
  Paddr end = 0;
  constexpr std::uint64_t size() const { return end - start; }
  constexpr bool empty() const { return end <= start; }
  constexpr bool contains(Paddr pa) const { return pa >= start && pa < end; }
  friend constexpr bool operator==(const PhysRange&, const PhysRange&) = default;
};

}  // namespace mm
