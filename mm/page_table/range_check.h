// Overflow-safe virtual-range checks, and the physical-address bound of map_phys. A range is (va, len) against an inclusive bound
// [start, last]: `va + len` is never computed, so a range ending exactly at 2^64 (an "end"
// of 0) is valid, and one that wraps past it is refused rather than wrapped.
#pragma once

#include <cstdint>
#include <expected>

#include "mm/hal.h"
#include "mm/page_table/pt_config.h"
#include "mm/page_table/pt_error.h"
#include "mm/types.h"

namespace mm::page_table {

// [va, va + len) lies inside [start, last]. Errors: EmptyRange, NotAligned, OutOfRange.
[[nodiscard]] constexpr std::expected<void, PtError> check_range_within(Vaddr va, std::uint64_t len,
                                                           Vaddr start, Vaddr last) {
  if (len == 0) return std::unexpected(PtError::EmptyRange);
  if (!is_page_aligned(va) || !is_page_aligned(len)) return std::unexpected(PtError::NotAligned);
  if (va < start || va > last) return std::unexpected(PtError::OutOfRange);
  if (len - 1 > last - va) return std::unexpected(PtError::OutOfRange);
  return {};
}

// [va, va + len) lies inside config C's virtual range.
template <PageTableConfig C>
[[nodiscard]] constexpr std::expected<void, PtError> check_config_range(Vaddr va, std::uint64_t len) {
  return check_range_within(va, len, config_va_start<C>, config_va_last<C>);
}

// The last byte of a range check_range_within accepted.
constexpr Vaddr range_last(Vaddr va, std::uint64_t len) { return va + (len - 1); }

// The physical range [range.start, range.end) (non-empty) lies below 2^bits.
// Errors: PhysOutOfRange.
[[nodiscard]] constexpr std::expected<void, PtError> check_phys_below(PhysRange range, unsigned bits) {
  if (bits < 64 && range.end > (Paddr{1} << bits)) return std::unexpected(PtError::PhysOutOfRange);
  return {};
}

// The widest physical address a leaf of config C may point to on this CPU: the smaller of
// the CPU's physical address width (from the HAL) and the PTE format's limit.
template <PageTableConfig C>
unsigned config_phys_bits() {
  const unsigned cpu = hal::phys_addr_bits();
  return cpu < C::Pte::PADDR_BITS ? cpu : C::Pte::PADDR_BITS;
}

// A non-empty physical range may be mapped by config C's leaves on this CPU.
template <PageTableConfig C>
[[nodiscard]] std::expected<void, PtError> check_config_phys(PhysRange range) {
  return check_phys_below(range, config_phys_bits<C>());
}

static_assert(check_phys_below({0x1000, Paddr{1} << 52}, 52));
static_assert(!check_phys_below({Paddr{1} << 52, (Paddr{1} << 52) + 0x1000}, 52));
static_assert(!check_phys_below({0x1000, (Paddr{1} << 46) + 0x1000}, 46));

static_assert(check_range_within(0xffff'ffff'ffff'f000, 0x1000, 0xffff'8000'0000'0000, ~0ull));
static_assert(!check_range_within(0xffff'ffff'ffff'f000, 0x2000, 0xffff'8000'0000'0000, ~0ull));

}  // namespace mm::page_table
